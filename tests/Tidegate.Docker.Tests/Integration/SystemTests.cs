using Tidegate.TestKit;

namespace Tidegate.Docker.Tests.Integration;

public sealed class SystemTests(DockerDaemonFixture fixture) : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>
{
    [Fact]
    public async Task SystemPing_WhenEngineRuns_Succeeds()
    {
        await Client.SystemPingAsync(Ct);
    }

    [Fact]
    public async Task SystemVersion_WhenEngineRuns_ReportsApiVersionAtLeast141()
    {
        var version = await Client.SystemVersionAsync(Ct);

        Assert.False(string.IsNullOrEmpty(version.Version));
        Assert.True(Version.Parse(version.ApiVersion!) >= new Version(1, 41));
    }

    [Fact]
    public async Task SystemInfo_WhenEngineRuns_NegotiatesVersionAndReportsEngine()
    {
        var info = await Client.SystemInfoAsync(Ct);
        var server = Version.Parse((await Client.SystemVersionAsync(Ct)).ApiVersion!);

        Assert.False(string.IsNullOrEmpty(info.ServerVersion));
        Assert.True(info.Ncpu > 0);
        var expected = server < DockerClient.MaximumApiVersion ? server : DockerClient.MaximumApiVersion;
        Assert.Equal(expected.ToString(2), Client.ApiVersion);
    }

    [Fact]
    public async Task SystemPing_WhenSocketPathDoesNotExist_ThrowsUnreachableNamingEndpoint()
    {
        var path = $"/tmp/tidegate-missing-{Guid.NewGuid():N}.sock";
        using var client = new DockerClient(DockerEndpoint.Parse("unix://" + path));

        var ex = await Assert.ThrowsAsync<DockerUnreachableException>(() => client.SystemPingAsync(Ct));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Equal("unix://" + path, ex.Endpoint);
    }

    [Fact]
    public async Task ContainerList_WhenSocketPathDoesNotExist_ThrowsUnreachableAfterRetries()
    {
        var path = $"/tmp/tidegate-missing-{Guid.NewGuid():N}.sock";
        using var client = new DockerClient(DockerEndpoint.Parse("unix://" + path));

        var ex = await Assert.ThrowsAsync<DockerUnreachableException>(() => client.ContainerListAsync(cancellationToken: Ct));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }
}
