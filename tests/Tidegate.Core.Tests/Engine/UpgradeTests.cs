using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Docker.Containers;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

/// <summary>The upgrade flow against the real engine: operation mode Migrating while it runs, the seed's snapshot, automatic
/// rollback, and an engine that dies at each phase of an upgrade being driven to a consistent, reported end.</summary>
public sealed class UpgradeTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    [Fact]
    public async Task Upgrade_RunsMigrating_TakesTheSeedSnapshot_AndEndsNormal()
    {
        var port = FreePort.Next();
        var (_, deployment) = await DeployAsync(Request(ProjectName(), ThreeTierStack(port)));

        var operation = await RunAsync(Service.UpgradeAsync(Upgrade(deployment, port, TestImages.Web110, "1.1.0"), Ct));

        Assert.Equal(OperationStatus.Succeeded, operation.Status);
        Assert.Equal(OperationKind.Upgrade, operation.Kind);
        Assert.Equal("1.1.0", await GetTextAsync(port));
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal(("1.1.0", 2, OperationMode.Normal), (deployment.Version, deployment.CurrentRevision, deployment.Mode));
        var modes = (await Store.OperationModes.HistoryAsync(deployment.Id, new Page(), Ct)).Items.Reverse().Select(c => $"{c.From}->{c.To}").ToList();
        Assert.Equal(["Normal->Migrating", "Migrating->Normal"], modes);
        var snapshot = (await Store.Snapshots.GetLatestKeptAsync(deployment.Id, Ct))!;
        Assert.Equal(("Before upgrade to v1.1.0", 1, "1.0.0"), (snapshot.Description, snapshot.Revision, snapshot.Version));
        Assert.Contains("\"imageDigests\"", snapshot.ContainerState, StringComparison.Ordinal);
        Assert.Contains("\"variables\"", snapshot.ContainerState, StringComparison.Ordinal);
        var phases = (await Store.ProgressEvents.ListAfterAsync(0, operation.Id, null, 500, Ct)).Select(e => e.Phase).Distinct().ToList();
        Assert.Equal(["snapshot", "pull", "prepare", "stop-old", "start", "verify", "point-of-no-return", "commit", "completed"],
            phases.Where(p => p is not null).ToList());
        Assert.False((await Service.GetRollbackInfoAsync(deployment, Ct)).CanRollback);
    }

    [Fact]
    public async Task Upgrade_WithAnUnhealthyNewVersion_IsRolledBackAutomatically_AndOffersTheSeedRollback()
    {
        var port = FreePort.Next();
        var (_, deployment) = await DeployAsync(Request(ProjectName(), ThreeTierStack(port)));

        var operation = await RunAsync(Service.UpgradeAsync(Upgrade(deployment, port, TestImages.Web110, "1.1.0", healthFail: true), Ct));

        Assert.Equal(OperationStatus.RolledBack, operation.Status);
        Assert.Contains("unhealthy", operation.Error, StringComparison.Ordinal);
        Assert.Contains("Rolled back automatically", operation.Error, StringComparison.Ordinal);
        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal(("1.0.0", 1, OperationMode.Normal), (deployment.Version, deployment.CurrentRevision, deployment.Mode));
        Assert.Equal(RevisionOutcome.RolledBack, (await Store.Revisions.GetAsync(deployment.Id, 2, Ct))!.Outcome);
        var info = await Service.GetRollbackInfoAsync(deployment, Ct);
        Assert.Equal((true, "1.0.0", "Before upgrade to v1.1.0", 1), (info.CanRollback, info.RollbackTargetVersion, info.SnapshotDescription, info.TargetRevision));

        // The seed's manual rollback restores revision 1 as a new revision and the offer disappears.
        var rollback = await RunAsync(Service.RollbackAsync(deployment.Id, null, new OperationRequest("tester"), Ct));
        Assert.True(rollback.Status == OperationStatus.Succeeded, rollback.Error);
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal(("1.0.0", 3), (deployment.Version, deployment.CurrentRevision));
        Assert.False((await Service.GetRollbackInfoAsync(deployment, Ct)).CanRollback);
        Assert.Equal("1.0.0", await GetTextAsync(port));
    }

    [Fact]
    public async Task RollbackToARevision_RestoresItsVersionAndVariables_AndRefusesRevisionsThatNeverRan()
    {
        var port = FreePort.Next();
        var (_, deployment) = await DeployAsync(Request(ProjectName(), ThreeTierStack(port)));
        Assert.Equal(OperationStatus.Succeeded, (await RunAsync(Service.UpgradeAsync(Upgrade(deployment, port, TestImages.Web110, "1.1.0"), Ct))).Status);
        Assert.Equal(OperationStatus.RolledBack,
            (await RunAsync(Service.UpgradeAsync(Upgrade(deployment, port, TestImages.Web200, "2.0.0", healthFail: true), Ct))).Status);

        var refused = Assert.IsType<OperationStartResult.Invalid>(await Service.RollbackAsync(deployment.Id, 3, new OperationRequest("tester"), Ct));
        Assert.Contains("RolledBack", refused.Errors["toRevision"][0], StringComparison.Ordinal);
        Assert.IsType<OperationStartResult.NotFound>(await Service.RollbackAsync(deployment.Id, 42, new OperationRequest("tester"), Ct));

        var operation = await RunAsync(Service.RollbackAsync(deployment.Id, 1, new OperationRequest("tester"), Ct));

        Assert.True(operation.Status == OperationStatus.Succeeded, operation.Error);
        Assert.Equal(OperationKind.Rollback, operation.Kind);
        Assert.Equal("1.0.0", await GetTextAsync(port));
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal(("1.0.0", 4, OperationMode.Normal), (deployment.Version, deployment.CurrentRevision, deployment.Mode));
        var revision = (await Store.Revisions.GetAsync(deployment.Id, 4, Ct))!;
        Assert.Equal("rollback to revision 1 (1.0.0)", revision.Reason);
        Assert.DoesNotContain(await Store.Deployments.ListVariablesAsync(deployment.Id, Ct), v => v.Name == "VERSION" && v.Value != "1.0.0");
    }

    [Fact]
    public async Task Upgrade_CancelledWhilePulling_EndsCancelled_InModeNormal_WithTheOldVersionRunning()
    {
        var port = FreePort.Next();
        var (_, deployment) = await DeployAsync(Request(ProjectName(), ThreeTierStack(port)));
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registry = new OperationCancellation();
        await using var service = new DeploymentService(Store, new DockerEngineFactory(), new StoreProgressSink(Store), Options with
        {
            BeforeStep = async (name, ct) =>
            {
                if (name == "pull")
                {
                    reached.TrySetResult();
                    await release.Task.WaitAsync(ct);
                }
            },
        }, TimeProvider.System, registry);
        // pull_policy always: the upgrade pulls, and waits there until the test released it.
        var request = Upgrade(deployment, port, TestImages.Web110, "1.1.0");
        request = request with { Source = new StackSource(request.Source.Text.Replace("    image: " + TestImages.Web110,
            "    image: " + TestImages.Web110 + "\n    pull_policy: always", StringComparison.Ordinal)) };
        var started = Assert.IsType<OperationStartResult.Started>(await service.UpgradeAsync(request, Ct));
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.IsType<CancelRequestResult.Requested>(registry.RequestCancel(started.OperationId, "tester"));
        release.SetResult();
        var operation = (await service.WaitForOperationAsync(started.OperationId, Ct))!;

        Assert.Equal(OperationStatus.Cancelled, operation.Status);
        Assert.Contains("cancelled by tester", operation.Error, StringComparison.Ordinal);
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal(("1.0.0", 1, OperationMode.Normal), (deployment.Version, deployment.CurrentRevision, deployment.Mode));
        Assert.Equal("1.0.0", await GetTextAsync(port));
    }

    /// <summary>The engine is abandoned (as if the process died) right before the given step of an upgrade 1.0.0 → 1.1.0;
    /// a fresh engine reconciles. The deployment ends upgraded or restored, says which, and is back in mode Normal.</summary>
    [Theory]
    [InlineData("snapshot", 1, "1.0.0")]
    [InlineData("revision", 1, "1.0.0")]
    [InlineData("retire", 2, "1.0.0")]
    [InlineData("start", 1, "1.0.0")]
    [InlineData("verify", 1, "1.1.0")]
    [InlineData("commit", 1, "1.1.0")]
    public async Task CrashDuringAnUpgrade_EndsUpgradedOrRestored_InModeNormal(string step, int occurrence, string expectedVersion)
    {
        var port = FreePort.Next();
        var (_, deployment) = await DeployAsync(Request(ProjectName(), ThreeTierStack(port)));
        var crashing = CrashingService(step, occurrence);
        await using (crashing)
        {
            var abandoned = await RunAsync(crashing.UpgradeAsync(Upgrade(deployment, port, TestImages.Web110, "1.1.0"), Ct), crashing);
            Assert.Equal(OperationStatus.Running, abandoned.Status);
        }
        Assert.Equal(OperationMode.Migrating, (await Store.Deployments.GetAsync(deployment.Id, Ct))!.Mode);

        var report = await ReconcileAsync();

        var reconciled = Assert.Single(report.Operations);
        Assert.Contains($"interrupted at step {step}", reconciled.What, StringComparison.Ordinal);
        Assert.Equal(expectedVersion == "1.1.0" ? OperationStatus.Succeeded : OperationStatus.RolledBack, reconciled.Result);
        Assert.Equal(expectedVersion, await WaitForTextAsync(port, expectedVersion));
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal((expectedVersion, OperationMode.Normal), (deployment.Version, deployment.Mode));
        Assert.StartsWith("reconciled after an interruption", (await Store.OperationModes.HistoryAsync(deployment.Id, new Page(), Ct)).Items[0].Reason,
            StringComparison.Ordinal);
        var containers = await Client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = [$"{EngineLabels.Project}={deployment.Name}"] }, Ct);
        Assert.Equal(3, containers.Count);
        Assert.All(containers, c => Assert.Equal(deployment.CurrentRevision?.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Labels![EngineLabels.Revision]));
    }

    private static UpgradeWorkRequest Upgrade(DeploymentRecord deployment, int port, string image, string version, bool healthFail = false) =>
        new(deployment.Id, "test:web:web", "web", version,
            new StackSource(ThreeTierStack(port, image, healthFail ? "\n      HEALTH_FAIL: \"1\"" : "")),
            new Dictionary<string, string> { ["VERSION"] = version }, "tester");
}
