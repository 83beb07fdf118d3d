using Tidegate.Core.Store;
using Tidegate.Core.Strategies;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Strategies;

public sealed class RollingTests(DockerDaemonFixture fixture) : EdgeTest(fixture)
{
    private const string Replicas = "\n    deploy:\n      replicas: 3";

    [Fact]
    public async Task Rolling_StartFirstBatches_UnderLoadWithoutAFailedRequest_AndAFailedOrAbortedBatchRestoresTheOldContainers()
    {
        var name = ProjectName();
        const string strategy = "\n    parallelism: 2";
        await RolloutAsync(name, WebStack("rolling", Web("1.0.0"), "1.0.0", strategy, Replicas), "1.0.0", RolloutStrategyKind.Rolling, OperationStatus.Succeeded);
        await WaitEdgeAsync("1.0.0");
        Assert.Equal(3, (await Edge.StatusAsync(Ct)).Frontends[0].Servers.Count);

        await using var load = new HttpLoad(Listen, requestsPerSecond: 25, maxRequests: 8_000, maxDuration: TimeSpan.FromSeconds(75));
        load.Start();
        var (operation, deployment) = await RolloutAsync(name, WebStack("rolling", Web("1.1.0"), "1.1.0", strategy, Replicas), "1.1.0",
            RolloutStrategyKind.Rolling, OperationStatus.Succeeded);
        Assert.Equal("1.1.0", deployment.Version);
        var phases = await PhasesAsync(operation);
        Assert.Contains("batch 1/2: starting 2 new container(s)", phases);
        Assert.Contains("batch 1/2: draining 2 old container(s)", phases);
        Assert.Contains("batch 2/2: draining 1 old container(s)", phases);
        Assert.Equal(["r2-1", "r2-2", "r2-3"], (await Edge.StatusAsync(Ct)).Frontends[0].Servers.Select(s => s.Name).Order());
        Assert.False(await ContainerExistsAsync($"{name}-web-1"));

        // A failing first batch: the new containers never get traffic, nothing old was stopped.
        var (unhealthy, _) = await RolloutAsync(name, WebStack("rolling", Web("2.0.0"), "2.0.0", strategy, Replicas, "\n      HEALTH_FAIL: \"1\""),
            "2.0.0", RolloutStrategyKind.Rolling, OperationStatus.RolledBack);
        Assert.Contains("unhealthy", unhealthy.Error, StringComparison.Ordinal);

        // Aborted after batch 1 (two old containers already stopped): they start again and take their traffic back.
        var deploymentId = deployment.Id;
        var upgrade = Driver.RunAsync(name, WebStack("rolling", Web("2.0.0"), "2.0.0", strategy + "\n    delay: 30s", Replicas), "2.0.0",
            RolloutStrategyKind.Rolling, Ct);
        await Wait.UntilAsync(ct => Strategies.ViewAsync(Store, deploymentId, ct), v => v?.Phase == "batch 1/2 done, next in 30s",
            "rolling paused after batch 1", TimeSpan.FromSeconds(60), Ct);
        Assert.Equal(2, (await Edge.StatusAsync(Ct)).Frontends[0].Servers.Count(s => s.Name.StartsWith("r4-", StringComparison.Ordinal)));
        Assert.True(Strategies.Abort(deploymentId, "stop it"));
        var (failed, after) = await upgrade;
        Assert.Equal(OperationStatus.RolledBack, failed.Status);
        Assert.Equal("stop it", failed.Error);
        Assert.Equal(("1.1.0", 2), (after.Version, after.CurrentRevision!.Value));
        Assert.Equal("1.1.0", await FirstAnswerAsync(Listen));
        var servers = (await Edge.StatusAsync(Ct)).Frontends[0].Servers;
        Assert.Equal(["r2-1", "r2-2", "r2-3"], servers.Select(s => s.Name).Order());
        Assert.All(servers, s => Assert.Equal(100, s.Weight));

        await Wait.UntilAsync(_ => Task.FromResult(load.Completed > 150), "load ran", cancellationToken: Ct);
        await AssertNoFailuresAsync(load);
        Assert.True(load.AnswersFrom("1.0.0") > 0 && load.AnswersFrom("1.1.0") > 0 && load.AnswersFrom("2.0.0") > 0, "every version served some");
    }
}
