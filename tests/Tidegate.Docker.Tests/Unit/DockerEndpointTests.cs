using Tidegate.Docker.Transport;

namespace Tidegate.Docker.Tests.Unit;

public sealed class DockerEndpointTests
{
    [Theory]
    [InlineData("unix:///var/run/docker.sock", DockerEndpointKind.Unix, "/var/run/docker.sock", null, null, null)]
    [InlineData("unix:///tmp/other.sock", DockerEndpointKind.Unix, "/tmp/other.sock", null, null, null)]
    [InlineData("unix://", DockerEndpointKind.Unix, "/var/run/docker.sock", null, null, null)]
    [InlineData("tcp://127.0.0.1:2375", DockerEndpointKind.Tcp, null, "127.0.0.1", 2375, null)]
    [InlineData("tcp://docker.example:2376", DockerEndpointKind.Tcp, null, "docker.example", 2376, null)]
    [InlineData("tcp://docker.example", DockerEndpointKind.Tcp, null, "docker.example", 2375, null)]
    [InlineData("tcp://[::1]:2375", DockerEndpointKind.Tcp, null, "::1", 2375, null)]
    [InlineData("TCP://host:1/", DockerEndpointKind.Tcp, null, "host", 1, null)]
    [InlineData("http://host:2375", DockerEndpointKind.Tcp, null, "host", 2375, null)]
    [InlineData("ssh://deploy@build.example", DockerEndpointKind.Ssh, null, "build.example", null, "deploy")]
    [InlineData("ssh://deploy@build.example:2222", DockerEndpointKind.Ssh, null, "build.example", 2222, "deploy")]
    [InlineData("ssh://build.example", DockerEndpointKind.Ssh, null, "build.example", null, null)]
    [InlineData("  ssh://a@127.0.0.1:22  ", DockerEndpointKind.Ssh, null, "127.0.0.1", 22, "a")]
    public void Parse_WhenValid_ReturnsItsParts(string text, DockerEndpointKind kind, string? socket, string? host, int? port, string? user)
    {
        var endpoint = DockerEndpoint.Parse(text);

        Assert.Equal(kind, endpoint.Kind);
        Assert.Equal(socket, endpoint.SocketPath);
        Assert.Equal(host, endpoint.Host);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(user, endpoint.User);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/var/run/docker.sock", "no scheme")]
    [InlineData("npipe:////./pipe/docker_engine", "unsupported scheme")]
    [InlineData("unix://relative.sock", "absolute")]
    [InlineData("tcp://:2375", "no host")]
    [InlineData("tcp://host:notaport", "invalid port")]
    [InlineData("tcp://host:0", "invalid port")]
    [InlineData("tcp://host:65536", "invalid port")]
    [InlineData("tcp://host:2375/path", "path")]
    [InlineData("tcp://[::1", "unterminated")]
    [InlineData("ssh://@host", "empty user")]
    [InlineData("ssh://user@", "no host")]
    [InlineData("ssh://deploy:hunter2@build.example", "must not contain a password")]
    [InlineData("ssh://deploy:@build.example:22", "must not contain a password")]
    public void Parse_WhenMalformed_ThrowsFormatExceptionSayingWhy(string text, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => DockerEndpoint.Parse(text));

        Assert.Contains(reason, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Parse_WhenSshUserHasAPassword_DoesNotEchoIt()
    {
        var ex = Assert.Throws<FormatException>(() => DockerEndpoint.Parse("ssh://deploy:hunter2@build.example"));

        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenHttpsScheme_UsesTlsAndDefaultTlsPort()
    {
        var endpoint = DockerEndpoint.Parse("https://host");

        Assert.NotNull(endpoint.Tls);
        Assert.Equal(2376, endpoint.Port);
    }

    [Fact]
    public void FromEnvironment_WhenDockerHostUnset_UsesDefaultSocket()
    {
        var endpoint = DockerEndpoint.FromEnvironment(_ => null);

        Assert.Equal(DockerEndpointKind.Unix, endpoint.Kind);
        Assert.Equal("/var/run/docker.sock", endpoint.SocketPath);
    }

    [Fact]
    public void FromEnvironment_WhenTlsVerifyAndCertPathSet_UsesCertFilesAndVerifies()
    {
        var variables = new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = "tcp://10.0.0.5:2376",
            ["DOCKER_TLS_VERIFY"] = "1",
            ["DOCKER_CERT_PATH"] = "/certs",
        };

        var endpoint = DockerEndpoint.FromEnvironment(name => variables.GetValueOrDefault(name));

        Assert.Equal(DockerEndpointKind.Tcp, endpoint.Kind);
        Assert.NotNull(endpoint.Tls);
        Assert.True(endpoint.Tls.VerifyServer);
        Assert.Equal("/certs/ca.pem", endpoint.Tls.CaFile);
        Assert.Equal("/certs/cert.pem", endpoint.Tls.CertFile);
        Assert.Equal("/certs/key.pem", endpoint.Tls.KeyFile);
    }

    [Fact]
    public void FromEnvironment_WhenCertPathWithoutVerify_UsesTlsWithoutServerVerification()
    {
        var variables = new Dictionary<string, string> { ["DOCKER_HOST"] = "tcp://h:2376", ["DOCKER_CERT_PATH"] = "/certs" };

        var endpoint = DockerEndpoint.FromEnvironment(name => variables.GetValueOrDefault(name));

        Assert.NotNull(endpoint.Tls);
        Assert.False(endpoint.Tls.VerifyServer);
    }

    [Fact]
    public void FromEnvironment_WhenPlainTcp_UsesNoTls()
    {
        var endpoint = DockerEndpoint.FromEnvironment(name => name == "DOCKER_HOST" ? "tcp://h:2375" : null);

        Assert.Null(endpoint.Tls);
    }

    [Fact]
    public void SshArguments_WhenUserPortAndOptionsGiven_BuildsBatchModeDialStdioCommand()
    {
        var endpoint = DockerEndpoint.Parse("ssh://deploy@build.example:2222") with { SshOptions = ["-i", "/keys/id"] };

        var arguments = DockerHttpHandlerFactory.SshArguments(endpoint);

        Assert.Equal(["-o", "BatchMode=yes", "-p", "2222", "-l", "deploy", "-i", "/keys/id", "--", "build.example", "docker", "system", "dial-stdio"], arguments);
    }

    [Fact]
    public void SshArguments_WhenOnlyHostGiven_LeavesPortAndUserToSshConfig()
    {
        var arguments = DockerHttpHandlerFactory.SshArguments(DockerEndpoint.Parse("ssh://build.example"));

        Assert.Equal(["-o", "BatchMode=yes", "--", "build.example", "docker", "system", "dial-stdio"], arguments);
    }
}
