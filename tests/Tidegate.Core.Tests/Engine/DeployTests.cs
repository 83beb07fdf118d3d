using System.Globalization;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Health;
using Tidegate.Core.Store;
using Tidegate.Docker.Containers;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

public sealed class DeployTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    [Fact]
    public async Task Deploy_StartsServicesInDependencyOrder_WithComposeLabels_AndAnswersOnItsPort()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (operation, deployment) = await DeployAsync(Request(name, ThreeTierStack(port), "1.0.0", ("VERSION", "1.0.0")));

        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));
        var db = await Client.ContainerInspectAsync($"{name}-db-1", Ct);
        var migrate = await Client.ContainerInspectAsync($"{name}-migrate-1", Ct);
        var web = await Client.ContainerInspectAsync($"{name}-web-1", Ct);

        // Order: db was healthy before migrate started; migrate exited 0 before web started.
        var dbHealthy = db.State!.Health!.Log!.First(l => l.ExitCode == 0).End;
        Assert.True(dbHealthy <= Time(migrate.State!.StartedAt), $"db healthy {dbHealthy:O}, migrate started {migrate.State.StartedAt}");
        Assert.Equal(0, migrate.State.ExitCode);
        Assert.True(Time(migrate.State.FinishedAt) <= Time(web.State!.StartedAt));

        var labels = web.Config!.Labels!;
        Assert.Equal(name, labels[EngineLabels.Project]);
        Assert.Equal("web", labels[EngineLabels.Service]);
        Assert.Equal("1", labels[EngineLabels.ContainerNumber]);
        Assert.Equal("False", labels[EngineLabels.OneOff]);
        Assert.Equal(64, labels[EngineLabels.ConfigHash].Length);
        Assert.Equal("1", labels[EngineLabels.Revision]);
        Assert.Equal("test:web:web", labels[EngineLabels.Stack]);
        Assert.Equal("1.0.0", labels[EngineLabels.Version]);
        Assert.Equal(name, labels[EngineLabels.Deployment]);
        Assert.Equal("migrate:service_completed_successfully:false", labels[EngineLabels.DependsOn]);
        Assert.Contains("web", web.NetworkSettings!.Networks![$"{name}_default"].Aliases!);

        var network = await Client.NetworkInspectAsync($"{name}_default", Ct);
        Assert.Equal("default", network.Labels![EngineLabels.Network]);
        Assert.Equal("true", network.Labels[EngineLabels.Managed]);
        var volume = await Client.VolumeInspectAsync($"{name}_data", Ct);
        Assert.Equal("data", volume.Labels![EngineLabels.Volume]);
        Assert.Equal(name, volume.Labels[EngineLabels.Project]);

        // The store: revision 1 succeeded with digests, metadata, a backup, journaled steps, progress with counters.
        Assert.Equal(1, deployment.CurrentRevision);
        Assert.Equal(1, deployment.LastSuccessfulRevision);
        var revision = (await Store.Revisions.GetAsync(deployment.Id, 1, Ct))!;
        Assert.Equal(RevisionOutcome.Succeeded, revision.Outcome);
        Assert.StartsWith("sha256:", revision.ImageDigests[TestImages.Web100], StringComparison.Ordinal);
        Assert.Equal("VERSION", Assert.Single(revision.Variables).Name);
        var metadata = Assert.Single((await Store.Snapshots.ListMetadataAsync(deployment.Id, new Page(), Ct)).Items);
        Assert.Equal(("ok", "ok", "healthy"), (metadata.PullResult, metadata.DeployResult, metadata.HealthResult));
        Assert.Single((await Store.Snapshots.ListAsync(deployment.Id, new Page(), Ct)).Items);
        var steps = await Store.Operations.ListStepsAsync(operation.Id, Ct);
        Assert.All(steps, s => Assert.NotNull(s.FinishedAt));
        Assert.Contains(steps, s => s.Name == "create-network");
        Assert.Equal(3, steps.Count(s => s.Name == "start"));
        var events = await Store.ProgressEvents.ListAfterAsync(0, operation.Id, null, 1000, Ct);
        Assert.Contains(events, e => e.Phase == "start" && e.ServicesTotal == 3 && e.ServicesCompleted == 3);
        Assert.Equal(ProgressEventKind.Completed, events[^1].Kind);
        Assert.Equal(100, events[^1].Percent);

        var status = (await Service.GetStatusAsync(deployment.Id, Ct))!;
        Assert.Equal(HealthState.Healthy, status.Health);
        Assert.Equal(["db", "migrate", "web"], status.Services.Select(s => s.Name));
        var webStatus = Assert.Single(status.Services.Single(s => s.Name == "web").Containers);
        Assert.Equal("running", webStatus.State);
        Assert.Equal("healthy", webStatus.Health);
        Assert.Contains($"127.0.0.1:{port}->8080/tcp", webStatus.Ports);
        Assert.Equal("exited", status.Services.Single(s => s.Name == "migrate").Containers[0].State);
    }

    [Fact]
    public async Task Deploy_WhenHealthFails_FailsWithTheHealthOutputAndLogTail()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (operation, deployment) = await DeployAsync(Request(name, ThreeTierStack(port, webEnv: "\n      HEALTH_FAIL: \"1\"")), OperationStatus.Failed);

        Assert.Contains("Service web", operation.Error, StringComparison.Ordinal);
        Assert.Contains("unhealthy", operation.Error, StringComparison.Ordinal);
        Assert.Contains("Log tail:", operation.Error, StringComparison.Ordinal);
        Assert.Contains("GET /health -> 500", operation.Error, StringComparison.Ordinal);
        Assert.Equal(RevisionOutcome.Failed, (await Store.Revisions.GetAsync(deployment.Id, 1, Ct))!.Outcome);
        Assert.Null(deployment.CurrentRevision);
        Assert.Empty(await Client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = [$"{EngineLabels.Project}={name}"] }, Ct));
        Assert.Empty(await Client.NetworkListAsync(new Docker.Networks.NetworkListParameters { LabelFilters = [$"{EngineLabels.Project}={name}"] }, Ct));
        Assert.Null(await Store.Locks.GetAsync(deployment.Id, Ct));
    }

    [Fact]
    public async Task SecondOperation_WhileOneRuns_IsRefusedWithTheRunningOperationsId()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var first = Assert.IsType<OperationStartResult.Started>(await Service.DeployAsync(Request(name, ThreeTierStack(port)), Ct));

        var second = await Service.DeployAsync(Request(name, ThreeTierStack(port)), Ct);
        var stop = await Service.StopAsync(first.DeploymentId, new OperationRequest("tester"), Ct);

        Assert.Equal(first.OperationId, Assert.IsType<OperationStartResult.Refused>(second).RunningOperationId);
        Assert.Equal(first.OperationId, Assert.IsType<OperationStartResult.Refused>(stop).RunningOperationId);
        Assert.Equal(OperationStatus.Succeeded, (await Service.WaitForOperationAsync(first.OperationId, Ct))!.Status);
    }

    [Fact]
    public async Task StopStartRemove_KeepVolumesUnlessAsked()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (_, deployment) = await DeployAsync(Request(name, ThreeTierStack(port)));
        var request = new OperationRequest("tester");

        Assert.Equal(OperationStatus.Succeeded, (await RunAsync(Service.StopAsync(deployment.Id, request, Ct))).Status);
        Assert.Equal("exited", (await Client.ContainerInspectAsync($"{name}-web-1", Ct)).State!.Status);
        Assert.Equal(HealthState.Unhealthy, (await Service.GetStatusAsync(deployment.Id, Ct))!.Health);

        Assert.Equal(OperationStatus.Succeeded, (await RunAsync(Service.StartAsync(deployment.Id, request, Ct))).Status);
        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));
        Assert.Equal(OperationStatus.Succeeded, (await RunAsync(Service.RestartAsync(deployment.Id, request, Ct))).Status);
        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));

        Assert.Equal(OperationStatus.Succeeded, (await RunAsync(Service.RemoveAsync(deployment.Id, removeVolumes: false, request, Ct))).Status);
        Assert.Empty(await Client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = [$"{EngineLabels.Project}={name}"] }, Ct));
        Assert.Empty(await Client.NetworkListAsync(new() { LabelFilters = [$"{EngineLabels.Project}={name}"] }, Ct));
        Assert.Equal($"{name}_data", (await Client.VolumeInspectAsync($"{name}_data", Ct)).Name);
        Assert.Null(await Store.Deployments.GetAsync(deployment.Id, Ct));

        var (_, again) = await DeployAsync(Request(name, ThreeTierStack(port)));
        Assert.Equal(OperationStatus.Succeeded, (await RunAsync(Service.RemoveAsync(again.Id, removeVolumes: true, request, Ct))).Status);
        Assert.Empty((await Client.VolumeListAsync(new() { LabelFilters = [$"{EngineLabels.Project}={name}"] }, Ct)).Volumes ?? []);
    }

    private static DateTimeOffset Time(string? text) => DateTimeOffset.Parse(text!, CultureInfo.InvariantCulture);
}
