using System.Net;
using System.Net.Http.Json;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests.Security;

/// <summary>The CI webhook boundary: a deployment-scoped token reaches its deployment only, and through the webhook the
/// deployment keeps its stack (and so its product). Against a real server on a loopback port.</summary>
public sealed class WebhookBoundaryTests : IAsyncLifetime
{
    private RealServer _server = null!;
    private Seed _seed = null!;

    public async Task InitializeAsync()
    {
        _server = await RealServer.StartAsync("--DemoCatalog", CatalogApiTests.DemoCatalog);
        _seed = await Seed.CreateAsync(_server.Store);
        using var admin = _server.Client(_seed.AdminToken);
        await Wait.UntilAsync(async ct =>
        {
            using var response = await admin.GetAsync(new Uri("/api/catalog/stacks/demo:demo-maint:shop/versions", UriKind.Relative), ct);
            return response.StatusCode;
        }, s => s == HttpStatusCode.OK, "the demo catalog synced");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("demo:demo-maint:shop")] // another product
    [InlineData("demo:demo-web:other")] // another stack id of the same product
    public async Task DeployHook_WithAnotherStackId_IsRefused_AndTheDeploymentKeepsItsStack(string stackId)
    {
        using var ci = _server.Client(_seed.ScopedToken);

        using var response = await ci.PostAsJsonAsync(new Uri("/api/hooks/deploy", UriKind.Relative),
            new { environment = _seed.Environment.Name, deployment = _seed.Deployment.Name, stackId });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("https://tidegate.dev/problems/stack-change-refused", problem.GetProperty("type").GetString());
        Assert.Contains(_seed.Deployment.StackId, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var deployment = (await _server.Store.Deployments.GetAsync(_seed.Deployment.Id, default))!;
        Assert.Equal((_seed.Deployment.StackId, _seed.Deployment.ProductId), (deployment.StackId, deployment.ProductId));
        Assert.Equal(0L, (await _server.Store.Operations.ListAsync(_seed.Deployment.Id, null, Page.First(10), default)).Total);
    }

    [Fact]
    public async Task DeployHook_AnUnscopedOperator_CannotSwitchAnExistingDeploymentsStackThroughTheWebhookEither()
    {
        using var op = _server.Client(_seed.OperatorToken);

        using var response = await op.PostAsJsonAsync(new Uri("/api/hooks/deploy", UriKind.Relative),
            new { environment = _seed.Environment.Id, deployment = _seed.OtherDeployment.Name, stackId = "demo:demo-maint:shop" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("https://tidegate.dev/problems/stack-change-refused", (await response.JsonAsync()).GetProperty("type").GetString());
        Assert.Equal(0L, (await _server.Store.Operations.ListAsync(_seed.OtherDeployment.Id, null, Page.First(10), default)).Total);
    }
}
