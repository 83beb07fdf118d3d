using Tidegate.TestKit;

namespace Tidegate.Docker.Tests.Integration;

public sealed class TlsProxyFixture : IAsyncLifetime
{
    private DockerTlsProxy? _proxy;

    public DockerTlsProxy Proxy => _proxy ?? throw new InvalidOperationException("Proxy not started.");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _proxy = await DockerTlsProxy.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }
}

public sealed class TlsTransportTests(DockerDaemonFixture fixture, TlsProxyFixture tls)
    : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>, IClassFixture<TlsProxyFixture>
{
    private DockerTlsProxy Proxy => tls.Proxy;

    [Fact]
    public async Task SystemVersion_WhenClientCertIsSignedByTheCa_WorksOverTls()
    {
        using var client = new DockerClient(DockerEndpoint.Parse(Proxy.Endpoint, new DockerTlsOptions(Proxy.CaFile, Proxy.ClientCertFile, Proxy.ClientKeyFile)));

        await client.SystemPingAsync(Ct);
        var version = await client.SystemVersionAsync(Ct);
        var containers = await client.ContainerListAsync(cancellationToken: Ct);

        Assert.Equal((await Client.SystemVersionAsync(Ct)).Version, version.Version);
        Assert.NotNull(containers);
    }

    [Fact]
    public async Task SystemPing_WhenEndpointComesFromDockerCertPath_WorksOverTls()
    {
        var variables = new Dictionary<string, string> { ["DOCKER_HOST"] = Proxy.Endpoint, ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = Proxy.Directory };
        using var client = new DockerClient(DockerEndpoint.FromEnvironment(name => variables.GetValueOrDefault(name)));

        await client.SystemPingAsync(Ct);
    }

    [Fact]
    public async Task SystemPing_WhenClientCertIsNotSignedByTheCa_IsRejectedAsUnreachable()
    {
        using var client = new DockerClient(DockerEndpoint.Parse(Proxy.Endpoint, new DockerTlsOptions(Proxy.CaFile, Proxy.RogueCertFile, Proxy.RogueKeyFile)));

        var ex = await Assert.ThrowsAsync<DockerUnreachableException>(() => client.SystemPingAsync(Ct));

        Assert.Contains($"127.0.0.1:{Proxy.Port}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SystemPing_WhenNoClientCertIsSent_IsRejectedAsUnreachable()
    {
        using var client = new DockerClient(DockerEndpoint.Parse(Proxy.Endpoint, new DockerTlsOptions(Proxy.CaFile, null, null)));

        await Assert.ThrowsAsync<DockerUnreachableException>(() => client.SystemPingAsync(Ct));
    }

    [Fact]
    public async Task SystemPing_WhenServerCertIsNotSignedByTrustedCa_IsRefusedByTheClient()
    {
        using var client = new DockerClient(DockerEndpoint.Parse(Proxy.Endpoint, new DockerTlsOptions(Proxy.RogueCertFile, Proxy.ClientCertFile, Proxy.ClientKeyFile)));

        var ex = await Assert.ThrowsAsync<DockerUnreachableException>(() => client.SystemPingAsync(Ct));

        Assert.Contains("SSL", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SystemPing_WhenPlainHttpSpokenToTlsPort_FailsAsUnreachable()
    {
        using var client = new DockerClient(DockerEndpoint.Parse(Proxy.Endpoint));

        await Assert.ThrowsAsync<DockerUnreachableException>(() => client.SystemPingAsync(Ct));
    }
}
