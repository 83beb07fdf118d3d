using System.Formats.Tar;
using System.Net;
using System.Text;
using Tidegate.Docker.Images;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

public sealed class ImageTests(DockerDaemonFixture fixture) : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>
{
    [Fact]
    public async Task ImageInspect_WhenTestImageExists_ShowsTagsEnvAndHealthcheck()
    {
        var image = await Client.ImageInspectAsync(TestImages.Web110, Ct);

        Assert.Contains(TestImages.Web110, image.RepoTags!);
        Assert.Contains("VERSION=1.1.0", image.Config!.Env!);
        Assert.NotNull(image.Config.Healthcheck);
        Assert.StartsWith("sha256:", image.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageInspect_WhenImageUnknown_Throws404()
    {
        var ex = await Assert.ThrowsAsync<DockerApiException>(() => Client.ImageInspectAsync("tidegate-test/none:" + Resources.Id, Ct));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task ImageList_WhenFilteredByContentHashLabel_ListsEveryTestImage()
    {
        var images = await Client.ImageListAsync(new ImageListParameters { LabelFilters = [TestImages.ContentHashLabel] }, Ct);

        var tags = images.SelectMany(i => i.RepoTags ?? []).ToHashSet();
        Assert.Superset(TestImages.All.ToHashSet(), tags);
    }

    [Fact]
    public async Task ImageTag_ThenImageRemove_AddsAndUntagsTheName()
    {
        var repository = "tidegate-test/tagged-" + Resources.Id;
        Resources.TrackImage(repository + ":v1");

        await Client.ImageTagAsync(TestImages.Worker100, repository, "v1", Ct);
        var tagged = await Client.ImageInspectAsync(repository + ":v1", Ct);
        var removed = await Client.ImageRemoveAsync(repository + ":v1", cancellationToken: Ct);

        Assert.Equal((await Client.ImageInspectAsync(TestImages.Worker100, Ct)).Id, tagged.Id);
        Assert.Contains(removed, r => r.Untagged == repository + ":v1");
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<DockerApiException>(() => Client.ImageInspectAsync(repository + ":v1", Ct))).StatusCode);
        Assert.NotNull(await Client.ImageInspectAsync(TestImages.Worker100, Ct));
    }

    [Fact]
    public async Task ImageBuild_WhenContextIsTar_BuildsTaggedImageAndStreamsOutput()
    {
        var tag = Resources.TrackImage($"tidegate-test/built-{Resources.Id}:1");
        using var context = Tar(
            ("Dockerfile", $"FROM {TestImages.Worker100}\nCOPY message.txt /message.txt\nENV BUILT=yes\n"),
            ("message.txt", "from the context\n"));

        var events = await ToListAsync(Client.ImageBuildAsync(context, new ImageBuildParameters { Tags = [tag], Labels = Resources.Labels }, Ct));
        var image = await Client.ImageInspectAsync(tag, Ct);

        Assert.Contains(events, e => e.Stream?.Contains("COPY message.txt", StringComparison.Ordinal) == true);
        Assert.Contains("BUILT=yes", image.Config!.Env!);
        Assert.Equal(Resources.Id, image.Config.Labels![TestResources.LabelKey]);
    }

    [Fact]
    public async Task ImageBuild_WhenStepFails_ThrowsWithTheBuildError()
    {
        using var context = Tar(("Dockerfile", $"FROM {TestImages.Worker100}\nRUN exit 7\n"));

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => ToListAsync(Client.ImageBuildAsync(context, new ImageBuildParameters { Labels = Resources.Labels }, Ct)));

        Assert.Contains("non-zero code: 7", ex.DaemonMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageLoad_WhenGivenSavedTar_LoadsTheImage()
    {
        var tag = Resources.TrackImage($"tidegate-test/loaded-{Resources.Id}:1");
        var file = Path.Combine(Path.GetTempPath(), $"tidegate-{Resources.Id}.tar");
        await DockerCli.RunAsync(["tag", TestImages.Worker100, tag], Ct);
        await DockerCli.RunAsync(["save", "-o", file, tag], Ct);
        await DockerCli.RunAsync(["rmi", tag], Ct);
        try
        {
            await using var tar = File.OpenRead(file);
            var events = await ToListAsync(Client.ImageLoadAsync(tar, Ct));

            Assert.Contains(events, e => e.Stream?.Contains(tag, StringComparison.Ordinal) == true);
            Assert.Contains(tag, (await Client.ImageInspectAsync(tag, Ct)).RepoTags!);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ImageLoad_WhenTarIsGarbage_Throws()
    {
        using var garbage = new MemoryStream(Encoding.UTF8.GetBytes("this is not a tar archive"));

        await Assert.ThrowsAsync<DockerApiException>(() => ToListAsync(Client.ImageLoadAsync(garbage, Ct)));
    }

    private static MemoryStream Tar(params (string Name, string Content)[] files)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
                writer.WriteEntry(entry);
            }
        }

        stream.Position = 0;
        return stream;
    }
}
