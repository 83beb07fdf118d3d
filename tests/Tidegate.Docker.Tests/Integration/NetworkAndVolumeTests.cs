using System.Net;
using Tidegate.Docker.Containers;
using Tidegate.Docker.Networks;
using Tidegate.Docker.Volumes;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

public sealed class NetworkAndVolumeTests(DockerDaemonFixture fixture) : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>
{
    [Fact]
    public async Task NetworkCreate_ThenInspectListRemove_RoundTrips()
    {
        var name = Resources.Name("net");

        var created = await Client.NetworkCreateAsync(new NetworkCreateRequest { Name = name, Labels = Resources.Labels, Attachable = true }, Ct);
        var inspect = await Client.NetworkInspectAsync(name, Ct);
        var listed = await Client.NetworkListAsync(new NetworkListParameters { LabelFilters = [Resources.LabelFilter] }, Ct);
        await Client.NetworkRemoveAsync(created.Id, Ct);

        Assert.Equal(created.Id, inspect.Id);
        Assert.Equal("bridge", inspect.Driver);
        Assert.True(inspect.Attachable);
        Assert.Equal(Resources.Id, inspect.Labels![TestResources.LabelKey]);
        Assert.Equal([created.Id], listed.Select(n => n.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<DockerApiException>(() => Client.NetworkInspectAsync(created.Id, Ct))).StatusCode);
    }

    [Fact]
    public async Task NetworkConnect_WhenAliasGiven_AnotherContainerReachesItByAlias()
    {
        var network = Resources.Name("net");
        await Client.NetworkCreateAsync(new NetworkCreateRequest { Name = network, Labels = Resources.Labels }, Ct);
        var server = await RunWebAsync(TestImages.Web200, name: Resources.Name("server"));
        var client = await CreateOnNetworkAsync(network, "creator-alias");
        await Client.ContainerStartAsync(client, Ct);

        await Client.NetworkConnectAsync(network, server, ["api-by-alias"], Ct);
        var inspect = await Client.NetworkInspectAsync(network, Ct);
        var body = await Wait.UntilAsync(
            async ct => await Client.ExecRunAsync(client, ["wget", "-q", "-O", "-", "http://api-by-alias:8080/version"], ct),
            r => r.ExitCode == 0,
            "wget from one container to the other by alias",
            cancellationToken: Ct);

        Assert.Equal("2.0.0\n", body.Stdout);
        Assert.Contains(server, inspect.Containers!.Keys);
        var aliases = (await Client.ContainerInspectAsync(server, Ct)).NetworkSettings!.Networks![network].Aliases;
        Assert.Contains("api-by-alias", aliases!);
    }

    [Fact]
    public async Task ContainerCreate_WhenNetworkingConfigHasAliases_AliasResolvesOnThatNetwork()
    {
        var network = Resources.Name("net");
        await Client.NetworkCreateAsync(new NetworkCreateRequest { Name = network, Labels = Resources.Labels }, Ct);
        var server = await CreateOnNetworkAsync(network, "db-alias");
        await Client.ContainerStartAsync(server, Ct);
        var client = await CreateOnNetworkAsync(network, "other");
        await Client.ContainerStartAsync(client, Ct);

        var result = await Wait.UntilAsync(
            ct => Client.ExecRunAsync(client, ["wget", "-q", "-O", "-", "http://db-alias:8080/health"], ct),
            r => r.ExitCode == 0,
            "the alias from NetworkingConfig to answer",
            cancellationToken: Ct);

        Assert.Equal("healthy\n", result.Stdout);
    }

    [Fact]
    public async Task NetworkDisconnect_WhenConnected_RemovesTheContainerFromTheNetwork()
    {
        var network = Resources.Name("net");
        await Client.NetworkCreateAsync(new NetworkCreateRequest { Name = network, Labels = Resources.Labels }, Ct);
        var id = await RunWebAsync();
        await Client.NetworkConnectAsync(network, id, cancellationToken: Ct);

        await Client.NetworkDisconnectAsync(network, id, force: false, Ct);

        var inspect = await Client.NetworkInspectAsync(network, Ct);
        Assert.True(inspect.Containers is null || !inspect.Containers.ContainsKey(id));
    }

    [Fact]
    public async Task VolumeCreate_ThenInspectListRemove_RoundTrips()
    {
        var name = Resources.Name("vol");

        var created = await Client.VolumeCreateAsync(new VolumeCreateRequest { Name = name, Labels = Resources.Labels }, Ct);
        var inspect = await Client.VolumeInspectAsync(name, Ct);
        var listed = await Client.VolumeListAsync(new VolumeListParameters { LabelFilters = [Resources.LabelFilter] }, Ct);
        await Client.VolumeRemoveAsync(name, cancellationToken: Ct);

        Assert.Equal(name, created.Name);
        Assert.Equal("local", inspect.Driver);
        Assert.Equal(Resources.Id, inspect.Labels![TestResources.LabelKey]);
        Assert.Equal([name], listed.Volumes!.Select(v => v.Name));
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<DockerApiException>(() => Client.VolumeInspectAsync(name, Ct))).StatusCode);
    }

    [Fact]
    public async Task Volume_WhenMountedIntoTwoContainers_KeepsDataBetweenThem()
    {
        var volume = Resources.Name("vol");
        await Client.VolumeCreateAsync(new VolumeCreateRequest { Name = volume, Labels = Resources.Labels }, Ct);
        var writer = await RunWithVolumeAsync(volume, "writer");
        await Client.ExecRunAsync(writer, ["sh", "-c", "echo persisted > /data/file"], Ct);
        await Client.ContainerRemoveAsync(writer, force: true, cancellationToken: Ct);
        var reader = await RunWithVolumeAsync(volume, "reader");

        var result = await Client.ExecRunAsync(reader, ["cat", "/data/file"], Ct);

        Assert.Equal("persisted\n", result.Stdout);
    }

    [Fact]
    public async Task VolumeRemove_WhenInUse_ThrowsConflict()
    {
        var volume = Resources.Name("vol");
        await Client.VolumeCreateAsync(new VolumeCreateRequest { Name = volume, Labels = Resources.Labels }, Ct);
        await RunWithVolumeAsync(volume, "user");

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => Client.VolumeRemoveAsync(volume, cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode);
        Assert.Contains("in use", ex.DaemonMessage, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<string> CreateOnNetworkAsync(string network, string alias) =>
        (await Client.ContainerCreateAsync(
            new ContainerCreateRequest
            {
                Image = TestImages.Web100,
                Labels = Resources.Labels,
                NetworkingConfig = new NetworkingConfig
                {
                    EndpointsConfig = new Dictionary<string, EndpointSettings> { [network] = new() { Aliases = [alias] } },
                },
                HostConfig = new HostConfig { NetworkMode = network },
            },
            Resources.Name(alias),
            Ct)).Id;

    private async Task<string> RunWithVolumeAsync(string volume, string name)
    {
        var created = await Client.ContainerCreateAsync(
            new ContainerCreateRequest
            {
                Image = TestImages.Worker100,
                Labels = Resources.Labels,
                HostConfig = new HostConfig { Mounts = [new Mount { Type = "volume", Source = volume, Target = "/data" }] },
            },
            Resources.Name(name),
            Ct);
        await Client.ContainerStartAsync(created.Id, Ct);
        return created.Id;
    }
}
