using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

public sealed class RegistryTests(DockerDaemonFixture fixture, RegistryFixture registryFixture)
    : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>, IClassFixture<RegistryFixture>
{
    private LocalRegistry Registry => registryFixture.Registry;

    private RegistryAuth Auth => new(Registry.Username, Registry.Password, Registry.Address);

    [Fact]
    public async Task ImagePull_WhenCredentialsValid_PullsAndInspectShowsRepoDigest()
    {
        var image = $"{Registry.Address}/web";
        Resources.TrackImage(image + ":1.0.0");

        var events = await ToListAsync(Client.ImagePullAsync(image, "1.0.0", Auth, Ct));
        var inspect = await Client.ImageInspectAsync(image + ":1.0.0", Ct);

        Assert.Contains(events, e => e.Status?.StartsWith("Digest: sha256:", StringComparison.Ordinal) == true);
        Assert.Contains(inspect.RepoDigests!, d => d.StartsWith(image + "@sha256:", StringComparison.Ordinal));
        Assert.Contains("VERSION=1.0.0", inspect.Config!.Env!);
    }

    [Fact]
    public async Task ImagePull_WhenPasswordWrong_ThrowsUnauthorized()
    {
        var wrong = new RegistryAuth(Registry.Username, "not-the-password", Registry.Address);

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => ToListAsync(Client.ImagePullAsync($"{Registry.Address}/web", "1.0.0", wrong, Ct)));

        Assert.Contains("unauthorized", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ImagePull_WhenNoCredentials_ThrowsNamingMissingAuth()
    {
        var ex = await Assert.ThrowsAsync<DockerApiException>(() => ToListAsync(Client.ImagePullAsync($"{Registry.Address}/web", "1.0.0", cancellationToken: Ct)));

        // The engine reports "no basic auth credentials" (20.10) or "unauthorized" (newer), both naming auth.
        Assert.Contains("auth", ex.DaemonMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"{Registry.Address}/v2/web", ex.DaemonMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImagePull_WhenTagMissing_ThrowsNamingTheImage()
    {
        var ex = await Assert.ThrowsAsync<DockerApiException>(() => ToListAsync(Client.ImagePullAsync($"{Registry.Address}/web", "9.9.9", Auth, Ct)));

        Assert.Contains($"{Registry.Address}/web:9.9.9", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not found", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ImagePush_WhenAuthenticated_RegistryServesTheImageAfterwards()
    {
        var repository = $"{Registry.Address}/pushed-{Resources.Id}";
        Resources.TrackImage(repository + ":1.1.0");
        await Client.ImageTagAsync(TestImages.Web110, repository, "1.1.0", Ct);

        var events = await ToListAsync(Client.ImagePushAsync(repository, "1.1.0", Auth, cancellationToken: Ct));
        await Client.ImageRemoveAsync(repository + ":1.1.0", cancellationToken: Ct);
        await ToListAsync(Client.ImagePullAsync(repository, "1.1.0", Auth, Ct));

        Assert.Contains(events, e => e.Aux is { } aux && aux.TryGetProperty("Digest", out _));
        Assert.Contains("VERSION=1.1.0", (await Client.ImageInspectAsync(repository + ":1.1.0", Ct)).Config!.Env!);
    }

    [Fact]
    public async Task ImagePush_WhenPasswordWrong_ThrowsUnauthorized()
    {
        var repository = $"{Registry.Address}/denied-{Resources.Id}";
        Resources.TrackImage(repository + ":1");
        await Client.ImageTagAsync(TestImages.Worker100, repository, "1", Ct);

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => ToListAsync(Client.ImagePushAsync(repository, "1", new RegistryAuth("tidegate", "wrong", Registry.Address), cancellationToken: Ct)));

        Assert.Contains("unauthorized", ex.Message, StringComparison.OrdinalIgnoreCase);
    }
}
