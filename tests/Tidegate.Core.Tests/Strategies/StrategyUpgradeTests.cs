using Tidegate.Core.Deployments;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Core.Strategies;
using Tidegate.Core.Engine;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Strategies;

/// <summary>The strategies through the engine's own entry points: a deploy follows the stack's x-tidegate.strategy, an upgrade
/// runs blue-green under load through the edge, and the rollback inside the keep window is a traffic switch.</summary>
public sealed class StrategyUpgradeTests(DockerDaemonFixture fixture) : EdgeTest(fixture)
{
    private const string Keep = "\n    keepOldFor: 5m";

    [Fact]
    public async Task BlueGreenUpgrade_ThroughTheEngine_HasNoFailedRequest_AndTheRollbackIsATrafficSwitch_AfterARestart()
    {
        // The parked color is written next to the edge's files, as the server does; the rollback runs in a new engine
        // with a registry read back from that file, as after a server restart.
        var parkedPath = EdgeOptions.ParkedPath;
        var engine = new DeploymentService(Store, new DockerEngineFactory(), new StoreProgressSink(Store), Options, TimeProvider.System,
            strategies: new RolloutStrategies(Edge, new RolloutRegistry(parkedPath), TimeProvider.System));
        var name = ProjectName();
        var deployed = await RunAsync(engine.DeployAsync(Request(name, WebStack("blue-green", Web("1.0.0"), "1.0.0", Keep)), Ct), engine);
        Assert.True(deployed.Status == OperationStatus.Succeeded, deployed.Error);
        await WaitEdgeAsync("1.0.0");
        var deployment = (await Store.Deployments.GetByNameAsync(Environment.Id, name, Ct))!;

        await using var load = new HttpLoad(Listen, requestsPerSecond: 25, maxRequests: 6_000, maxDuration: TimeSpan.FromSeconds(90));
        load.Start();
        var upgrade = await RunAsync(engine.UpgradeAsync(new UpgradeWorkRequest(deployment.Id, "test:web:web", "web", "1.1.0",
            new StackSource(WebStack("blue-green", Web("1.1.0"), "1.1.0", Keep)), new Dictionary<string, string>(), "tester"), Ct), engine);

        Assert.True(upgrade.Status == OperationStatus.Succeeded, upgrade.Error);
        // The load generator is the judge (every request counted, failures asserted at the end): the new color answers it.
        var answeredBefore = load.AnswersFrom("1.1.0");
        await Wait.UntilAsync(_ => Task.FromResult(load.AnswersFrom("1.1.0") > answeredBefore + 20), "answers from 1.1.0 after the switch",
            timeout: TimeSpan.FromSeconds(60), cancellationToken: Ct);
        Assert.Contains("traffic switched to green", await PhasesAsync(upgrade));
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal(("1.1.0", OperationMode.Normal), (deployment.Version, deployment.Mode));

        await engine.DisposeAsync();
        var restarted = new RolloutRegistry(parkedPath);
        Assert.Equal(1, restarted.Parked(deployment.Id)?.Revision);
        engine = new DeploymentService(Store, new DockerEngineFactory(), new StoreProgressSink(Store), Options, TimeProvider.System,
            strategies: new RolloutStrategies(Edge, restarted, TimeProvider.System));
        var rollback = await RunAsync(engine.RollbackAsync(deployment.Id, null, new OperationRequest("tester"), Ct), engine);
        await engine.DisposeAsync();

        Assert.True(rollback.Status == OperationStatus.Succeeded, rollback.Error);
        Assert.Contains(await Store.Operations.ListStepsAsync(rollback.Id, Ct), s => s.Name == "switch-back");
        Assert.Null(new RolloutRegistry(parkedPath).Parked(deployment.Id));
        var oldBefore = load.AnswersFrom("1.0.0");
        await Wait.UntilAsync(_ => Task.FromResult(load.AnswersFrom("1.0.0") > oldBefore + 50), "answers from 1.0.0 after the switch back",
            timeout: TimeSpan.FromSeconds(60), cancellationToken: Ct);
        await AssertNoFailuresAsync(load);
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal(("1.0.0", 1, OperationMode.Normal), (deployment.Version, deployment.CurrentRevision, deployment.Mode));
    }

    [Fact]
    public async Task Upgrade_WithAnEdgeStrategy_ButNoEntries_Is400OnTheStrategy()
    {
        await using var engine = new DeploymentService(Store, new DockerEngineFactory(), new StoreProgressSink(Store), Options, TimeProvider.System,
            strategies: Strategies);
        var port = FreePort.Next();
        var (_, deployment) = await DeployAsync(Request(ProjectName(), ThreeTierStack(port)));

        var result = await engine.UpgradeAsync(new UpgradeWorkRequest(deployment.Id, "test:web:web", "web", "1.1.0",
            new StackSource(ThreeTierStack(port, Web("1.1.0"))), new Dictionary<string, string>(), "tester", Strategy: "canary"), Ct);

        var invalid = Assert.IsType<OperationStartResult.Invalid>(result);
        Assert.Contains("x-tidegate.edge.entries", invalid.Errors["strategy"][0], StringComparison.Ordinal);
        Assert.Equal(1, (await Store.Deployments.GetAsync(deployment.Id, Ct))!.CurrentRevision);
    }
}

/// <summary>Recreate (the default strategy) of a stack with edge entries: the edge serves the revision that runs after a
/// deploy, an upgrade, a restart (new loopback ports) and a maintenance round trip.</summary>
public sealed class RecreateBehindTheEdgeTests(DockerDaemonFixture fixture) : EdgeTest(fixture)
{
    [Fact]
    public async Task RecreateDeployUpgradeAndRestart_AreServedThroughTheEdge()
    {
        await using var engine = new DeploymentService(Store, new DockerEngineFactory(), new StoreProgressSink(Store), Options, TimeProvider.System,
            strategies: Strategies);
        var name = ProjectName();
        var deployed = await RunAsync(engine.DeployAsync(Request(name, WebStack("recreate", Web("1.0.0"), "1.0.0")), Ct), engine);
        Assert.True(deployed.Status == OperationStatus.Succeeded, deployed.Error);
        Assert.Equal("1.0.0", await WaitEdgeAsync("1.0.0"));
        Assert.Contains(await Store.Operations.ListStepsAsync(deployed.Id, Ct), s => s.Name == "edge-sync" && s.Status == StepStatus.Succeeded);
        var deployment = (await Store.Deployments.GetByNameAsync(Environment.Id, name, Ct))!;

        var upgrade = await RunAsync(engine.UpgradeAsync(new UpgradeWorkRequest(deployment.Id, "test:web:web", "web", "1.1.0",
            new StackSource(WebStack("recreate", Web("1.1.0"), "1.1.0")), new Dictionary<string, string>(), "tester"), Ct), engine);

        Assert.True(upgrade.Status == OperationStatus.Succeeded, upgrade.Error);
        Assert.Equal("1.1.0", await WaitEdgeAsync("1.1.0"));
        var servers = await Edge.ServersAsync(Assert.Single(Edge.EntriesOf(Environment.Id, name)), Ct);
        Assert.Equal([2], servers.Select(s => s.Revision).Distinct());

        var restart = await RunAsync(engine.RestartAsync(deployment.Id, new OperationRequest("tester"), Ct), engine);
        Assert.True(restart.Status == OperationStatus.Succeeded, restart.Error);
        Assert.Equal("1.1.0", await WaitEdgeAsync("1.1.0"));
    }

    [Fact]
    public async Task AnEdgeThatRefusesTheEntries_FailsTheDeploy_AndTheOtherDeploymentKeepsServing()
    {
        await using var engine = new DeploymentService(Store, new DockerEngineFactory(), new StoreProgressSink(Store), Options, TimeProvider.System,
            strategies: Strategies);
        var first = await RunAsync(engine.DeployAsync(Request(ProjectName(), WebStack("recreate", Web("1.0.0"), "1.0.0")), Ct), engine);
        Assert.True(first.Status == OperationStatus.Succeeded, first.Error);

        // A second deployment declaring the same listen address: the edge refuses it, so the deploy fails and removes what it started.
        var name = ProjectName("other");
        var second = await RunAsync(engine.DeployAsync(Request(name, WebStack("recreate", Web("1.1.0"), "1.1.0")), Ct), engine);

        Assert.Equal(OperationStatus.Failed, second.Status);
        Assert.Contains("already used by deployment", second.Error, StringComparison.Ordinal);
        Assert.False(await ContainerExistsAsync($"{name}-web-1"));
        Assert.Null((await Store.Deployments.GetByNameAsync(Environment.Id, name, Ct))?.CurrentRevision);
        Assert.Equal("1.0.0", await FirstAnswerAsync(Listen));
    }
}
