using System.Globalization;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Core.Tests.Strategies;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Security;

/// <summary>Boundary: catalog author and operator → the edge, through the engine (real Docker, real HAProxy). A stack that
/// tries to inject HAProxy directives is refused before anything runs; an edge that refuses the new revision fails the
/// operation before its point of no return, and the automatic rollback puts the old revision back behind the edge.</summary>
public sealed class EdgeBoundaryRolloutTests(DockerDaemonFixture fixture) : EdgeTest(fixture)
{
    [Fact]
    public async Task Upgrade_WhenTheEdgeRefusesTheNewRevision_FailsAndTheAutomaticRollbackRestoresTheOldVersion()
    {
        await using var engine = Engine();
        var first = await RunAsync(engine.DeployAsync(Request(ProjectName("a"), WebStack("recreate", Web("1.0.0"), "1.0.0")), Ct), engine);
        Assert.True(first.Status == OperationStatus.Succeeded, first.Error);
        var own = FreePort.Next();
        var name = ProjectName("b");
        var deployed = await RunAsync(engine.DeployAsync(Request(name, WebStack("recreate", Web("1.0.0"), "1.0.0", listen: own)), Ct), engine);
        Assert.True(deployed.Status == OperationStatus.Succeeded, deployed.Error);
        Assert.Equal("1.0.0", await WaitForTextAsync(own, "1.0.0"));
        var deployment = (await Store.Deployments.GetByNameAsync(Environment.Id, name, Ct))!;

        // The new version asks for the listen address deployment "a" holds: the edge refuses it after the new containers ran.
        var upgrade = await RunAsync(engine.UpgradeAsync(new UpgradeWorkRequest(deployment.Id, "test:web:web", "web", "1.1.0",
            new StackSource(WebStack("recreate", Web("1.1.0"), "1.1.0")), new Dictionary<string, string>(), "tester"), Ct), engine);

        Assert.Equal(OperationStatus.RolledBack, upgrade.Status);
        Assert.Contains("The edge could not serve revision 2", upgrade.Error, StringComparison.Ordinal);
        Assert.Contains("already used by deployment", upgrade.Error, StringComparison.Ordinal);
        var steps = await Store.Operations.ListStepsAsync(upgrade.Id, Ct);
        Assert.Contains(steps, s => s.Name == "edge-sync" && s.Status == StepStatus.Failed);
        Assert.Contains(steps, s => s.Name == "restore" && s.Status == StepStatus.Succeeded);
        Assert.DoesNotContain(steps, s => s.Name == "commit");
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal(("1.0.0", 1, OperationMode.Normal), (deployment.Version, deployment.CurrentRevision, deployment.Mode));
        Assert.Equal(RevisionOutcome.RolledBack, (await Store.Revisions.GetAsync(deployment.Id, 2, Ct))!.Outcome);
        // The restored containers got new loopback ports; the edge follows them, and "a" never stopped serving.
        Assert.Equal("1.0.0", await WaitForTextAsync(own, "1.0.0"));
        Assert.All(await Edge.ServersAsync(Assert.Single(Edge.EntriesOf(Environment.Id, name)), Ct), s => Assert.Equal(1, s.Revision));
        Assert.Equal("1.0.0", await FirstAnswerAsync(Listen));
    }

    [Theory]
    [InlineData("service: \"web\\n    http-request return status 299 content-type text/plain string injected-by-stack\"", "service")]
    [InlineData("service: web\n        healthPath: \"/health\\n    http-request return status 299 content-type text/plain string injected-by-stack\"", "healthPath")]
    [InlineData("service: \"web;shutdown sessions server be_x/r1-1\"", "service")]
    public async Task Deploy_OfAStackThatInjectsHaproxyDirectives_IsRefusedWithItsLine_AndTheEdgeNeverAnswers299(string entry, string field)
    {
        await using var engine = Engine();
        var name = ProjectName();
        var stack = $$"""
            x-tidegate:
              edge:
                entries:
                  - {{entry}}
                    port: 8080
                    listen: "127.0.0.1:{{Listen.ToString(CultureInfo.InvariantCulture)}}"
            services:
              web:
                image: {{Web("1.0.0")}}
            """;

        var rejected = Assert.IsType<OperationStartResult.Rejected>(await engine.DeployAsync(Request(name, stack), Ct));

        var error = Assert.Single(rejected.Errors, e => e.Contains($"x-tidegate.edge.entries[0].{field}:", StringComparison.Ordinal));
        Assert.Matches(@"^[^:]+:[0-9]+:[0-9]+: error: ", error);
        Assert.Null(await Store.Deployments.GetByNameAsync(Environment.Id, name, Ct));
        Assert.Empty(Edge.Entries);
        Assert.False(await ContainerExistsAsync($"{name}-web-1"));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => Http.GetAsync(new Uri($"http://127.0.0.1:{Listen.ToString(CultureInfo.InvariantCulture)}/"), Ct));
    }

    private DeploymentService Engine() =>
        new(Store, new DockerEngineFactory(), new StoreProgressSink(Store), Options, TimeProvider.System, strategies: Strategies);
}
