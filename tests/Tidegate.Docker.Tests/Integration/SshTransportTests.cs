using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

public sealed class SshServerFixture : IAsyncLifetime
{
    private LocalSshServer? _server;

    public LocalSshServer Server => _server ?? throw new InvalidOperationException("sshd not started.");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _server = await LocalSshServer.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

public sealed class SshTransportTests(DockerDaemonFixture fixture, SshServerFixture ssh)
    : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>, IClassFixture<SshServerFixture>
{
    private LocalSshServer Server => ssh.Server;

    [Fact]
    public async Task SystemVersion_WhenEndpointIsSsh_TalksToTheEngineThroughDialStdio()
    {
        using var client = new DockerClient(DockerEndpoint.Parse(Server.Endpoint) with { SshOptions = Server.ClientOptions });

        await client.SystemPingAsync(Ct);
        var version = await client.SystemVersionAsync(Ct);

        Assert.Equal((await Client.SystemVersionAsync(Ct)).Version, version.Version);
    }

    [Fact]
    public async Task ContainerLogs_WhenEndpointIsSsh_StreamsOverTheSshConnection()
    {
        using var client = new DockerClient(DockerEndpoint.Parse(Server.Endpoint) with { SshOptions = Server.ClientOptions });
        var created = await client.ContainerCreateAsync(
            new Containers.ContainerCreateRequest { Image = TestImages.Worker100, Entrypoint = ["sh", "-c", "echo over-ssh"], Labels = Resources.Labels },
            Resources.Name("ssh"),
            Ct);
        await client.ContainerStartAsync(created.Id, Ct);
        await client.ContainerWaitAsync(created.Id, cancellationToken: Ct);

        var lines = await ToListAsync(client.ContainerLogsAsync(created.Id, cancellationToken: Ct));

        Assert.Equal(["over-ssh"], lines.Select(l => l.Text));
    }

    [Fact]
    public async Task SystemPing_WhenSshKeyIsNotAuthorized_ThrowsUnreachableWithSshReason()
    {
        var options = Server.ClientOptions.Select(o => o == Server.IdentityFile ? Path.Combine(Server.Directory, "host_key") : o).ToList();
        using var client = new DockerClient(DockerEndpoint.Parse(Server.Endpoint) with { SshOptions = options });

        var ex = await Assert.ThrowsAsync<DockerUnreachableException>(() => client.SystemPingAsync(Ct));

        Assert.Contains($"127.0.0.1:{Server.Port}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Permission denied", ex.Message, StringComparison.Ordinal);
    }
}
