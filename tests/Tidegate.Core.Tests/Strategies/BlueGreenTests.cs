using Tidegate.Core.Store;
using Tidegate.Core.Strategies;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Strategies;

public sealed class BlueGreenTests(DockerDaemonFixture fixture) : EdgeTest(fixture)
{
    private const string Smoke = """

            keepOldFor: 5m
            smokeTest:
              path: /version
              expectStatus: 200
        """;

    [Fact]
    public async Task BlueGreen_UpgradesUnderLoadWithoutAFailedRequest_AndSwitchesBackInstantly()
    {
        var name = ProjectName();
        await RolloutAsync(name, WebStack("blue-green", Web("1.0.0"), "1.0.0", Smoke), "1.0.0", RolloutStrategyKind.BlueGreen, OperationStatus.Succeeded);
        await WaitEdgeAsync("1.0.0");

        await using var load = new HttpLoad(Listen, requestsPerSecond: 25, maxRequests: 6_000, maxDuration: TimeSpan.FromSeconds(60));
        load.Start();
        var (operation, deployment) = await RolloutAsync(name, WebStack("blue-green", Web("1.1.0"), "1.1.0", Smoke), "1.1.0",
            RolloutStrategyKind.BlueGreen, OperationStatus.Succeeded);
        Assert.Equal("1.1.0", await FirstAnswerAsync(Listen));
        Assert.Equal((2, "1.1.0"), (deployment.CurrentRevision!.Value, deployment.Version));

        var phases = await PhasesAsync(operation);
        Assert.Contains("starting green", phases);
        Assert.Contains("smoke test passed", phases);
        Assert.Contains("traffic switched to green", phases);
        Assert.Contains("draining blue", phases);

        // The old color is parked (running, in maintenance at the edge) for the switch back.
        var servers = (await Edge.StatusAsync(Ct)).Frontends[0].Servers;
        Assert.Equal(["r1-1", "r2-1"], servers.Select(s => s.Name).Order());
        Assert.StartsWith("MAINT", servers.Single(s => s.Name == "r1-1").State, StringComparison.Ordinal);
        Assert.Equal("running", (await Client.ContainerInspectAsync($"{name}-web-1", Ct)).State!.Status);
        Assert.Equal("green", (await Client.ContainerInspectAsync($"{name}-web-1-green", Ct)).Config!.Labels!["tidegate.color"]);

        // Rollback is a traffic switch.
        var rollback = await Store.Operations.CreateAsync(new NewOperation(deployment.Id, name, OperationKind.Rollback, "tester"), Ct);
        using (var docker = new Tidegate.Core.Environments.DockerEngineFactory().Open(Environment))
        using (var journal = new Tidegate.Core.Engine.OperationJournal(Store, new Tidegate.Core.Engine.StoreProgressSink(Store), rollback, Options, CancellationToken.None))
        {
            Assert.True(await Strategies.SwitchBackAsync(journal, Store, docker, deployment));
        }

        Assert.Equal("1.0.0", await FirstAnswerAsync(Listen));
        await Wait.UntilAsync(_ => Task.FromResult(load.AnswersFrom("1.0.0") > 0 && load.Completed > 150), "load after the switch back", cancellationToken: Ct);
        await AssertNoFailuresAsync(load);
        Assert.True(load.AnswersFrom("1.1.0") > 0, "no answer came from 1.1.0");
        var back = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal((1, "1.0.0"), (back.CurrentRevision!.Value, back.Version));
        Assert.False(await ContainerExistsAsync($"{name}-web-1-green"));
    }

    [Fact]
    public async Task BlueGreen_FailuresAtEachStep_KeepStableServingAllTraffic()
    {
        var name = ProjectName();
        await RolloutAsync(name, WebStack("blue-green", Web("1.0.0"), "1.0.0"), "1.0.0", RolloutStrategyKind.BlueGreen, OperationStatus.Succeeded);
        await WaitEdgeAsync("1.0.0");
        await using var load = new HttpLoad(Listen, requestsPerSecond: 25, maxRequests: 6_000, maxDuration: TimeSpan.FromSeconds(90));
        load.Start();

        // Image missing: nothing touched.
        var (missing, _) = await RolloutAsync(name, WebStack("blue-green", "tidegate-test/web:0.0.0-missing", "1.1.0", extraWeb: "\n    pull_policy: never"), "1.1.0",
            RolloutStrategyKind.BlueGreen, OperationStatus.Failed);
        Assert.Contains("not present", missing.Error, StringComparison.Ordinal);

        // Health failing: the new color never gets traffic and is removed.
        var (unhealthy, _) = await RolloutAsync(name, WebStack("blue-green", Web("1.1.0"), "1.1.0", extraEnv: "\n      HEALTH_FAIL: \"1\""), "1.1.0",
            RolloutStrategyKind.BlueGreen, OperationStatus.RolledBack);
        Assert.Contains("unhealthy", unhealthy.Error, StringComparison.Ordinal);

        // Smoke test failing: expected body not found.
        var failingSmoke = "\n    smokeTest:\n      path: /version\n      expectBody: \"9.9.9\"";
        var (smoke, deployment) = await RolloutAsync(name, WebStack("blue-green", Web("1.1.0"), "1.1.0", failingSmoke), "1.1.0",
            RolloutStrategyKind.BlueGreen, OperationStatus.RolledBack);
        Assert.Contains("Smoke test failed", smoke.Error, StringComparison.Ordinal);

        Assert.Equal("1.0.0", await FirstAnswerAsync(Listen));
        await AssertNoFailuresAsync(load);
        Assert.Equal(0, load.AnswersFrom("1.1.0"));
        Assert.Equal((1, "1.0.0"), (deployment.CurrentRevision!.Value, deployment.Version));
        var server = Assert.Single((await Edge.StatusAsync(Ct)).Frontends[0].Servers);
        Assert.Equal(("r1-1", 100), (server.Name, server.Weight));
        Assert.False(await ContainerExistsAsync($"{name}-web-1-green"));
    }
}
