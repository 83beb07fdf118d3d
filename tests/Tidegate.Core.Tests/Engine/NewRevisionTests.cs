using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;
using Tidegate.Docker.Containers;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

public sealed class NewRevisionTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    [Fact]
    public async Task NewRevision_FromAnAuthenticatedRegistry_ReplacesTheOldContainers()
    {
        await using var registry = await LocalRegistry.StartAsync(Ct);
        var image = Resources.TrackImage(await registry.PushAsync(TestImages.Web110, "web:1.1.0", Ct));
        await Store.RegistryCredentials.SaveAsync(new RegistryCredential(registry.Address, registry.Username, registry.Password), Ct);
        var port = FreePort.Next();
        var name = ProjectName();
        var (_, first) = await DeployAsync(Request(name, ThreeTierStack(port)));
        var oldWeb = (await Client.ContainerInspectAsync($"{name}-web-1", Ct)).Id;

        var (operation, deployment) = await DeployAsync(Request(name, ThreeTierStack(port, image), "1.1.0", ("VERSION", "1.1.0")));

        Assert.Equal("1.1.0", await WaitForTextAsync(port, "1.1.0"));
        Assert.Equal(2, deployment.CurrentRevision);
        Assert.Equal("1.1.0", deployment.Version);
        var revision = (await Store.Revisions.GetAsync(first.Id, 2, Ct))!;
        Assert.StartsWith($"{registry.Address}/web@sha256:", revision.ImageDigests[image], StringComparison.Ordinal);
        var containers = await ProjectContainersAsync(name);
        Assert.DoesNotContain(containers, c => c.Id == oldWeb);
        Assert.All(containers, c => Assert.Equal("2", c.Labels![EngineLabels.Revision]));
        Assert.Contains(await Store.Operations.ListStepsAsync(operation.Id, Ct), s => s.Name == "pull" && s.Detail!.Contains(image, StringComparison.Ordinal));
        Assert.Equal(2, (await Store.Snapshots.ListAsync(first.Id, new Page(), Ct)).Total);
    }

    [Fact]
    public async Task NewRevision_WithAMissingImageTag_LeavesTheRunningVersionUntouched()
    {
        await using var registry = await LocalRegistry.StartAsync(Ct);
        await Store.RegistryCredentials.SaveAsync(new RegistryCredential(registry.Address, registry.Username, registry.Password), Ct);
        var port = FreePort.Next();
        var name = ProjectName();
        await DeployAsync(Request(name, ThreeTierStack(port)));
        var before = (await ProjectContainersAsync(name)).Select(c => (c.Id, c.State)).Order().ToList();
        var missing = $"{registry.Address}/web:9.9.9";

        var (operation, deployment) = await DeployAsync(Request(name, ThreeTierStack(port, missing), "9.9.9"), OperationStatus.Failed);

        Assert.Contains(missing, operation.Error, StringComparison.Ordinal);
        Assert.Equal("1.0.0", await GetTextAsync(port));
        Assert.Equal(before, (await ProjectContainersAsync(name)).Select(c => (c.Id, c.State)).Order().ToList());
        Assert.Equal(1, deployment.CurrentRevision);
        Assert.Equal(RevisionOutcome.Failed, (await Store.Revisions.GetAsync(deployment.Id, 2, Ct))!.Outcome);
        var metadata = (await Store.Snapshots.ListMetadataAsync(deployment.Id, new Page(), Ct)).Items[0];
        Assert.StartsWith("failed: Pull of " + missing, metadata.PullResult, StringComparison.Ordinal);
        Assert.DoesNotContain(await Store.Operations.ListStepsAsync(operation.Id, Ct), s => s.Name is "retire" or "create");
    }

    [Fact]
    public async Task NewRevision_ThatNeverBecomesHealthy_RestartsTheKeptOldContainers()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        await DeployAsync(Request(name, ThreeTierStack(port)));
        var oldIds = (await ProjectContainersAsync(name)).Select(c => c.Id).Order().ToList();

        var (operation, deployment) = await DeployAsync(
            Request(name, ThreeTierStack(port, TestImages.Web200, "\n      HEALTH_FAIL: \"1\""), "2.0.0", ("VERSION", "2.0.0")), OperationStatus.RolledBack);

        Assert.Contains("Service web", operation.Error, StringComparison.Ordinal);
        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));
        var containers = await ProjectContainersAsync(name);
        // Restoring is a restart of the same containers under their own names, not a rebuild.
        Assert.Equal(oldIds, containers.Select(c => c.Id).Order().ToList());
        Assert.Contains(containers, c => c.Names![0] == $"/{name}-web-1" && c.State == "running");
        Assert.Equal(1, deployment.CurrentRevision);
        Assert.Equal(RevisionOutcome.RolledBack, (await Store.Revisions.GetAsync(deployment.Id, 2, Ct))!.Outcome);
    }

    [Fact]
    public async Task Redeploy_PullsAgainAndRecordsANewRevisionOfTheSameDefinition()
    {
        await using var registry = await LocalRegistry.StartAsync(Ct);
        var image = Resources.TrackImage(await registry.PushAsync(TestImages.Web100, "web:1.0.0", Ct));
        await Store.RegistryCredentials.SaveAsync(new RegistryCredential(registry.Address, registry.Username, registry.Password), Ct);
        var port = FreePort.Next();
        var name = ProjectName();
        var stack = $"services:\n  web:\n    image: {image}\n    environment:\n      VERSION: ${{VERSION}}\n    ports:\n      - \"127.0.0.1:{port}:8080\"\n";
        var (_, deployment) = await DeployAsync(Request(name, stack, "1.0.0", ("VERSION", "1.0.0-r")));

        var operation = await RunAsync(Service.RedeployAsync(deployment.Id, new OperationRequest("tester"), Ct));

        Assert.True(operation.Status == OperationStatus.Succeeded, operation.Error);
        Assert.Equal("1.0.0-r", await WaitForTextAsync(port, "1.0.0-r"));
        Assert.Contains(await Store.Operations.ListStepsAsync(operation.Id, Ct), s => s.Name == "pull");
        var second = (await Store.Revisions.GetAsync(deployment.Id, 2, Ct))!;
        Assert.Equal((await Store.Revisions.GetAsync(deployment.Id, 1, Ct))!.Definition, second.Definition);
        Assert.Equal(OperationKind.Redeploy, operation.Kind);
    }

    private async Task<IReadOnlyList<ContainerSummary>> ProjectContainersAsync(string name) =>
        await Client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = [$"{EngineLabels.Project}={name}"] }, Ct);
}
