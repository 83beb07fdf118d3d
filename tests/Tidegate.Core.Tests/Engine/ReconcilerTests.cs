using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Docker.Containers;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

public sealed class ReconcilerTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    /// <summary>The engine is abandoned (as if the process died) right before the given occurrence of a step of a
    /// revision-2 deploy over a healthy revision 1; a fresh engine instance then reconciles.</summary>
    [Theory]
    [InlineData("revision", 1, "1.0.0")]
    [InlineData("backup", 1, "1.0.0")]
    [InlineData("retire", 1, "1.0.0")]
    [InlineData("retire", 2, "1.0.0")]
    [InlineData("create", 1, "1.0.0")]
    [InlineData("start", 2, "1.0.0")]
    [InlineData("verify", 1, "1.1.0")]
    [InlineData("commit", 1, "1.1.0")]
    public async Task CrashDuringANewRevision_IsDrivenToAConsistentReportedEnd(string step, int occurrence, string expectedVersion)
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (_, deployment) = await DeployAsync(Request(name, ThreeTierStack(port)));
        var crashing = CrashingService(step, occurrence);
        await using (crashing)
        {
            var started = Assert.IsType<OperationStartResult.Started>(
                await crashing.DeployAsync(Request(name, ThreeTierStack(port, TestImages.Web110), "1.1.0", ("VERSION", "1.1.0")), Ct));
            var abandoned = (await crashing.WaitForOperationAsync(started.OperationId, Ct))!;
            Assert.Equal(OperationStatus.Running, abandoned.Status);
        }

        var report = await ReconcileAsync();

        var reconciled = Assert.Single(report.Operations);
        Assert.Contains($"interrupted at step {step}", reconciled.What, StringComparison.Ordinal);
        var operation = (await Store.Operations.GetAsync(reconciled.OperationId, Ct))!;
        Assert.Equal(expectedVersion == "1.1.0" ? OperationStatus.Succeeded : OperationStatus.RolledBack, operation.Status);
        Assert.Equal(reconciled.What, operation.Error);
        Assert.Equal(expectedVersion, await WaitForTextAsync(port, expectedVersion));
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        var current = expectedVersion == "1.1.0" ? 2 : 1;
        Assert.Equal(current, deployment.CurrentRevision);
        Assert.NotEqual(RevisionOutcome.Pending, (await Store.Revisions.GetAsync(deployment.Id, 2, Ct))!.Outcome);
        Assert.Null(await Store.Locks.GetAsync(deployment.Id, Ct));
        var containers = await Client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = [$"{EngineLabels.Project}={name}"] }, Ct);
        Assert.Equal([$"/{name}-db-1", $"/{name}-migrate-1", $"/{name}-web-1"], containers.Select(c => c.Names![0]).Order());
        Assert.All(containers, c => Assert.Equal(current.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Labels![EngineLabels.Revision]));
        Assert.Empty((await ReconcileAsync()).Drift);
    }

    [Fact]
    public async Task CrashDuringStop_IsCompletedByTheReconciler()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (_, deployment) = await DeployAsync(Request(name, ThreeTierStack(port)));
        var crashing = CrashingService("stop");
        await using (crashing)
        {
            var started = Assert.IsType<OperationStartResult.Started>(await crashing.StopAsync(deployment.Id, new OperationRequest("tester"), Ct));
            Assert.Equal(OperationStatus.Running, (await crashing.WaitForOperationAsync(started.OperationId, Ct))!.Status);
        }

        var report = await ReconcileAsync();

        var reconciled = Assert.Single(report.Operations);
        Assert.Equal(OperationStatus.Succeeded, reconciled.Result);
        Assert.Contains("stop completed", reconciled.What, StringComparison.Ordinal);
        var containers = await Client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = [$"{EngineLabels.Project}={name}"] }, Ct);
        Assert.All(containers, c => Assert.Equal("exited", c.State));
    }

    [Fact]
    public async Task Drift_ContainerRemovedBehindTidegatesBack_AndUnknownLabelledContainers_AreReported()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        await DeployAsync(Request(name, ThreeTierStack(port)));
        await Client.ContainerRemoveAsync($"{name}-web-1", force: true, cancellationToken: Ct);
        var stray = await Client.ContainerCreateAsync(new ContainerCreateRequest
        {
            Image = TestImages.Web100,
            Labels = new Dictionary<string, string>(Resources.Labels) { [EngineLabels.Managed] = "true", [EngineLabels.Project] = Resources.Name("ghost") },
        }, Resources.Name("stray"), Ct);

        var report = await new Reconciler(Store, new DockerEngineFactory(), new StoreProgressSink(Store), Options, TimeProvider.System)
            .ReconcileAsync(atStartup: false, Service.IsRunningHere, Ct);

        Assert.Empty(report.Operations);
        Assert.Contains(report.Drift, d => d.Project == name && d.Kind == DriftKind.ContainerMissing && d.Detail.Contains("service web", StringComparison.Ordinal));
        Assert.Contains(report.Drift, d => d.Kind == DriftKind.UnknownContainer && d.Detail.Contains(Resources.Name("stray"), StringComparison.Ordinal));
        Assert.NotNull(stray.Id);
    }
}
