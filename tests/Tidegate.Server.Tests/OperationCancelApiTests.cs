using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;

namespace Tidegate.Server.Tests;

/// <summary>POST /api/operations/{id}/cancel against the server's real <see cref="OperationCancellation"/> registry, with operations
/// in the real store registered the way an executor registers them.</summary>
public sealed class OperationCancelApiTests : IAsyncLifetime
{
    private readonly TidegateFactory _factory = new();
    private Seed _seed = null!;
    private HttpClient _operator = null!;

    private OperationCancellation Registry => _factory.Services.GetRequiredService<OperationCancellation>();

    public async Task InitializeAsync()
    {
        _seed = await Seed.CreateAsync(_factory);
        _operator = _factory.WithToken(_seed.OperatorToken);
    }

    public Task DisposeAsync()
    {
        _operator.Dispose();
        _factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Cancel_WhileTheOperationIsCancellable_Is202_CancelsItsToken_AndIsIdempotent()
    {
        var operation = await RunningAsync(_seed.Deployment);
        using var handle = Registry.Register(operation.Id, "pull");

        using var first = await CancelAsync(_operator, operation.Id);
        using var second = await CancelAsync(_operator, operation.Id);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var body = await first.JsonAsync();
        Assert.Equal(("CancelRequested", "pull"), (body.GetProperty("status").GetString(), body.GetProperty("phase").GetString()));
        Assert.StartsWith("operator", body.GetProperty("requestedBy").GetString(), StringComparison.Ordinal);
        Assert.Equal($"/api/operations/{operation.Id}/events", body.GetProperty("eventsUrl").GetString());
        Assert.True(handle.Token.IsCancellationRequested);
        Assert.False(handle.TryPassPointOfNoReturn("retire"));
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(body.GetProperty("requestedBy").GetString(), (await second.JsonAsync()).GetProperty("requestedBy").GetString());
    }

    [Fact]
    public async Task Cancel_PastThePointOfNoReturn_Is409NamingWhy_AndLeavesTheOperationRunning()
    {
        var operation = await RunningAsync(_seed.Deployment);
        using var handle = Registry.Register(operation.Id, "pull");
        Assert.True(handle.TryPassPointOfNoReturn("stopping the running containers"));

        using var response = await CancelAsync(_operator, operation.Id);

        await AssertRefusedAsync(response, "past-point-of-no-return", "stopping the running containers");
        Assert.False(handle.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task Cancel_OfAFinishedOperation_Is409Finished()
    {
        var operation = await RunningAsync(_seed.Deployment);
        await _factory.Store.Operations.TransitionAsync(operation.Id, OperationStatus.Succeeded, null, default);

        using var response = await CancelAsync(_operator, operation.Id);

        await AssertRefusedAsync(response, "finished", "Succeeded");
    }

    [Fact]
    public async Task Cancel_OfARunningOperationThatNeverRegistered_Is409NotCancellable()
    {
        var operation = await RunningAsync(_seed.Deployment, OperationKind.Stop);

        using var response = await CancelAsync(_operator, operation.Id);

        await AssertRefusedAsync(response, "not-cancellable", "Stop");
    }

    [Fact]
    public async Task Cancel_OfAnUnknownOperation_OrOneOutsideTheTokensScope_Is404()
    {
        var other = await RunningAsync(_seed.OtherDeployment);
        using var handle = Registry.Register(other.Id, "pull");
        using var scoped = _factory.WithToken(_seed.ScopedToken);

        using var unknown = await CancelAsync(_operator, "missing");
        using var outside = await CancelAsync(scoped, other.Id);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.False(handle.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task Cancel_AsViewer_Is403_AndCancelsNothing()
    {
        var operation = await RunningAsync(_seed.Deployment);
        using var handle = Registry.Register(operation.Id, "pull");
        using var viewer = _factory.WithToken(_seed.ViewerToken);

        using var response = await CancelAsync(viewer, operation.Id);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(handle.Token.IsCancellationRequested);
    }

    private async Task<OperationRecord> RunningAsync(DeploymentRecord deployment, OperationKind kind = OperationKind.Deploy)
    {
        var operation = await _factory.Store.Operations.CreateAsync(new NewOperation(deployment.Id, deployment.Name, kind, "operator"), default);
        return (await _factory.Store.Operations.TransitionAsync(operation.Id, OperationStatus.Running, null, default))!;
    }

    private static Task<HttpResponseMessage> CancelAsync(HttpClient client, string operationId)
        => client.PostAsync(new Uri($"/api/operations/{operationId}/cancel", UriKind.Relative), null);

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string reason, string inDetail)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("https://tidegate.dev/problems/conflict", problem.GetProperty("type").GetString());
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
        Assert.Contains(inDetail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
