using Tidegate.Docker.Containers;
using Tidegate.Docker.Networks;
using Tidegate.Docker.Volumes;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

public sealed class TestKitTests(DockerDaemonFixture fixture) : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>
{
    [Fact]
    public async Task TestResources_WhenDisposed_RemovesItsLabeledResourcesAndNothingElse()
    {
        var doomed = new TestResources("doomed");
        var container = await Client.ContainerCreateAsync(new ContainerCreateRequest { Image = TestImages.Worker100, Labels = doomed.Labels }, doomed.Name("c"), Ct);
        await Client.ContainerStartAsync(container.Id, Ct);
        await Client.NetworkCreateAsync(new NetworkCreateRequest { Name = doomed.Name("n"), Labels = doomed.Labels }, Ct);
        await Client.VolumeCreateAsync(new VolumeCreateRequest { Name = doomed.Name("v"), Labels = doomed.Labels }, Ct);
        var survivor = (await Client.ContainerCreateAsync(new ContainerCreateRequest { Image = TestImages.Worker100, Labels = Resources.Labels }, Resources.Name("survivor"), Ct)).Id;

        await doomed.DisposeAsync();

        Assert.Empty(await Client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = [doomed.LabelFilter] }, Ct));
        Assert.Empty(await Client.NetworkListAsync(new NetworkListParameters { LabelFilters = [doomed.LabelFilter] }, Ct));
        Assert.Empty((await Client.VolumeListAsync(new VolumeListParameters { LabelFilters = [doomed.LabelFilter] }, Ct)).Volumes ?? []);
        Assert.Equal(survivor, (await Client.ContainerInspectAsync(survivor, Ct)).Id);
    }

    [Fact]
    public async Task TestImages_WhenEnsuredAgain_KeepsTheSameImages()
    {
        var before = await Task.WhenAll(TestImages.All.Select(tag => Client.ImageInspectAsync(tag, Ct)));

        // Not EnsureBuiltAsync: after the first call in this process it returns without looking.
        var rebuilt = await TestImages.BuildOutdatedAsync(Ct);

        Assert.Empty(rebuilt);
        var after = await Task.WhenAll(TestImages.All.Select(tag => Client.ImageInspectAsync(tag, Ct)));
        Assert.Equal(before.Select(i => i.Id), after.Select(i => i.Id));
        Assert.All(after, i => Assert.False(string.IsNullOrEmpty(i.Config!.Labels![TestImages.ContentHashLabel])));
    }

    [Fact]
    public async Task Wait_WhenConditionNeverHolds_FailsWithDescriptionAndLastValue()
    {
        var ex = await Assert.ThrowsAsync<TimeoutException>(() =>
            Wait.UntilAsync(_ => Task.FromResult("starting"), s => s == "healthy", "the thing to become healthy", TimeSpan.FromMilliseconds(300), Ct));

        Assert.Contains("the thing to become healthy", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"starting\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalRegistry_WhenDisposed_StopsServing()
    {
        var registry = await LocalRegistry.StartAsync(Ct);
        var address = new Uri($"http://{registry.Address}/v2/");
        using (var before = await Http.GetAsync(address, Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, before.StatusCode);
        }

        await registry.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => Http.GetAsync(address, Ct));
    }
}
