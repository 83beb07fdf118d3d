using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Edge;
using Tidegate.Core.Strategies;

namespace Tidegate.Server.Tests;

/// <summary>The rollout and edge endpoints over the real host (no HAProxy runs in this data directory: the edge starts
/// lazily with the first entry). A rollout is registered directly, as the executor does while it runs.</summary>
public sealed class RolloutApiTests : IDisposable
{
    private readonly TidegateFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Rollout_NotFoundWithoutARun_ShowsARunningOne_AndPassesPromoteAndAbortToIt()
    {
        var seed = await Seed.CreateAsync(_factory);
        using var viewer = _factory.WithToken(seed.ViewerToken);
        using var op = _factory.WithToken(seed.OperatorToken);
        var id = seed.Deployment.Id;

        using (var none = await viewer.GetAsync(new Uri($"/api/deployments/{id}/rollout", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
            Assert.Contains("No rollout is running", (await none.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var unknown = await op.PostAsync(new Uri("/api/deployments/nope/rollout/promote", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        var entry = new EdgeEntry(seed.Deployment.Name, "web", 8080, "127.0.0.1:1");
        using var run = new RolloutRun(id, "op-1", RolloutStrategyKind.Canary, [10, 50, 100], [entry])
        {
            Phase = "traffic 10% → 50% (green)",
            Stable = new RolloutSide("1.0.0", 1, 50),
            Candidate = new RolloutSide("2.0.0", 2, 50),
            CurrentStep = 1,
        };
        var registry = _factory.Services.GetRequiredService<RolloutRegistry>();
        registry.Add(run);
        try
        {
            using var response = await viewer.GetAsync(new Uri($"/api/deployments/{id}/rollout", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.JsonAsync();
            Assert.Equal("canary", body.GetProperty("strategy").GetString());
            Assert.Equal("traffic 10% → 50% (green)", body.GetProperty("phase").GetString());
            Assert.Equal("1.0.0", body.GetProperty("stable").GetProperty("version").GetString());
            Assert.Equal(2, body.GetProperty("candidate").GetProperty("revision").GetInt32());
            Assert.Equal(50, body.GetProperty("candidate").GetProperty("weight").GetInt32());
            Assert.Equal([10, 50, 100], body.GetProperty("steps").EnumerateArray().Select(s => s.GetInt32()));
            Assert.Equal(1, body.GetProperty("currentStep").GetInt32());
            Assert.Equal(0, body.GetProperty("counters").GetArrayLength());

            using (var forbidden = await viewer.PostAsync(new Uri($"/api/deployments/{id}/rollout/promote", UriKind.Relative), null))
            {
                Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            }

            using (var promote = await op.PostAsync(new Uri($"/api/deployments/{id}/rollout/promote", UriKind.Relative), null))
            {
                Assert.Equal(HttpStatusCode.Accepted, promote.StatusCode);
                Assert.Equal("op-1", (await promote.JsonAsync()).GetProperty("operationId").GetString());
            }

            Assert.True(run.TakePromote());
            using (var abort = await op.PostAsync(new Uri($"/api/deployments/{id}/rollout/abort", UriKind.Relative), null))
            {
                Assert.Equal(HttpStatusCode.Accepted, abort.StatusCode);
            }

            Assert.True(run.Aborted.IsCancellationRequested);
            Assert.Equal("aborted through the API", run.AbortReason);
        }
        finally
        {
            registry.Remove(run);
        }
    }

    [Fact]
    public async Task Edge_ReportsItsStatus_NotRunningBeforeTheFirstEntry()
    {
        var seed = await Seed.CreateAsync(_factory);
        using var viewer = _factory.WithToken(seed.ViewerToken);
        using var response = await viewer.GetAsync(new Uri("/api/edge", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.False(body.GetProperty("running").GetBoolean());
        Assert.Equal(0, body.GetProperty("frontends").GetArrayLength());
    }
}
