namespace Tidegate.Docker;

public enum DockerEndpointKind
{
    Unix,
    Tcp,
    Ssh,
}

/// <summary>TLS material for a tcp endpoint, with the Docker CLI's meaning of each part.</summary>
/// <param name="CaFile">PEM CA bundle used to verify the server when <paramref name="VerifyServer"/> is set.</param>
/// <param name="CertFile">PEM client certificate, sent when both it and <paramref name="KeyFile"/> are given.</param>
/// <param name="KeyFile">PEM private key of the client certificate.</param>
/// <param name="VerifyServer">Verify the server's chain and name (DOCKER_TLS_VERIFY).</param>
public sealed record DockerTlsOptions(string? CaFile, string? CertFile, string? KeyFile, bool VerifyServer = true)
{
    /// <summary>The files the Docker CLI expects in DOCKER_CERT_PATH: ca.pem, cert.pem, key.pem.</summary>
    public static DockerTlsOptions FromCertDirectory(string directory, bool verifyServer) =>
        new(Path.Combine(directory, "ca.pem"), Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"), verifyServer);
}

/// <summary>Where a Docker engine listens: a unix socket, a tcp port (optionally TLS) or an ssh host.</summary>
public sealed record DockerEndpoint
{
    public const string DefaultUnixSocket = "/var/run/docker.sock";

    private DockerEndpoint(DockerEndpointKind kind, string original)
    {
        Kind = kind;
        Original = original;
    }

    public DockerEndpointKind Kind { get; }

    /// <summary>The text the endpoint was parsed from; used in error messages.</summary>
    public string Original { get; }

    /// <summary>Unix socket path (Unix only).</summary>
    public string? SocketPath { get; private init; }

    /// <summary>Host name or address (Tcp and Ssh).</summary>
    public string? Host { get; private init; }

    /// <summary>Port (Tcp; Ssh when given explicitly).</summary>
    public int? Port { get; private init; }

    /// <summary>Login user (Ssh, optional).</summary>
    public string? User { get; private init; }

    /// <summary>TLS settings (Tcp only); null means plain HTTP.</summary>
    public DockerTlsOptions? Tls { get; init; }

    /// <summary>Extra ssh client arguments placed before the host, e.g. ["-i", "key", "-o", "UserKnownHostsFile=..."].</summary>
    public IReadOnlyList<string> SshOptions { get; init; } = [];

    public static DockerEndpoint Unix(string socketPath = DefaultUnixSocket) =>
        new(DockerEndpointKind.Unix, "unix://" + socketPath) { SocketPath = socketPath };

    /// <summary>Parses unix:///path, tcp://host:port (http://, https:// accepted) or ssh://[user@]host[:port].</summary>
    /// <exception cref="FormatException">The text is not a supported endpoint.</exception>
    public static DockerEndpoint Parse(string text, DockerTlsOptions? tls = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new FormatException("Docker endpoint is empty.");
        }

        var schemeEnd = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw new FormatException($"Docker endpoint '{text}' has no scheme; expected unix://, tcp:// or ssh://.");
        }

        var scheme = trimmed[..schemeEnd].ToLowerInvariant();
        var rest = trimmed[(schemeEnd + 3)..];
        return scheme switch
        {
            "unix" => ParseUnix(trimmed, rest),
            "tcp" or "http" => ParseTcp(trimmed, rest, tls),
            "https" => ParseTcp(trimmed, rest, tls ?? new DockerTlsOptions(null, null, null)),
            "ssh" => ParseSsh(trimmed, rest),
            _ => throw new FormatException($"Docker endpoint '{text}' has unsupported scheme '{scheme}'; expected unix, tcp or ssh."),
        };
    }

    /// <summary>
    /// The endpoint the Docker CLI would use from its environment: DOCKER_HOST (default unix socket),
    /// with TLS from DOCKER_CERT_PATH / DOCKER_TLS_VERIFY for tcp.
    /// </summary>
    public static DockerEndpoint FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    internal static DockerEndpoint FromEnvironment(Func<string, string?> getVariable)
    {
        var host = getVariable("DOCKER_HOST");
        if (string.IsNullOrWhiteSpace(host))
        {
            return Unix();
        }

        var verify = !string.IsNullOrEmpty(getVariable("DOCKER_TLS_VERIFY"));
        var certPath = getVariable("DOCKER_CERT_PATH");
        DockerTlsOptions? tls = null;
        if (verify || !string.IsNullOrEmpty(certPath))
        {
            if (string.IsNullOrEmpty(certPath))
            {
                certPath = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
            }

            tls = DockerTlsOptions.FromCertDirectory(certPath, verify);
        }

        var endpoint = Parse(host);
        return endpoint.Kind == DockerEndpointKind.Tcp && tls is not null ? endpoint with { Tls = tls } : endpoint;
    }

    public override string ToString() => Kind switch
    {
        DockerEndpointKind.Unix => "unix://" + SocketPath,
        DockerEndpointKind.Tcp => $"tcp://{Host}:{Port}" + (Tls is null ? string.Empty : " (TLS)"),
        _ => "ssh://" + (User is null ? string.Empty : User + "@") + Host + (Port is null ? string.Empty : ":" + Port),
    };

    private static DockerEndpoint ParseUnix(string text, string rest)
    {
        if (rest.Length == 0)
        {
            return new DockerEndpoint(DockerEndpointKind.Unix, text) { SocketPath = DefaultUnixSocket };
        }

        if (!rest.StartsWith('/'))
        {
            throw new FormatException($"Docker endpoint '{text}' must name an absolute socket path (unix:///path).");
        }

        return new DockerEndpoint(DockerEndpointKind.Unix, text) { SocketPath = rest };
    }

    private static DockerEndpoint ParseTcp(string text, string rest, DockerTlsOptions? tls)
    {
        var (host, port) = SplitHostPort(text, rest.TrimEnd('/'));
        if (port is null)
        {
            // The Docker CLI's defaults: 2376 with TLS, 2375 without.
            port = tls is null ? 2375 : 2376;
        }

        return new DockerEndpoint(DockerEndpointKind.Tcp, text) { Host = host, Port = port, Tls = tls };
    }

    private static DockerEndpoint ParseSsh(string text, string rest)
    {
        rest = rest.TrimEnd('/');
        string? user = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            user = rest[..at];
            rest = rest[(at + 1)..];
            if (user.Length == 0)
            {
                throw new FormatException($"Docker endpoint '{text}' has an empty user name.");
            }

            if (user.Contains(':', StringComparison.Ordinal))
            {
                // The part after ':' is a password; the message must not repeat the endpoint text.
                throw new FormatException("Docker ssh endpoint must not contain a password (user:password@host); use an SSH key or agent.");
            }
        }

        var (host, port) = SplitHostPort(text, rest);
        return new DockerEndpoint(DockerEndpointKind.Ssh, text) { Host = host, Port = port, User = user };
    }

    private static (string Host, int? Port) SplitHostPort(string text, string hostPort)
    {
        if (hostPort.Contains('/', StringComparison.Ordinal))
        {
            throw new FormatException($"Docker endpoint '{text}' must not contain a path.");
        }

        string host;
        string? portText = null;
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"Docker endpoint '{text}' has an unterminated IPv6 address.");
            }

            host = hostPort[1..close];
            var after = hostPort[(close + 1)..];
            if (after.Length > 0)
            {
                portText = after.StartsWith(':') ? after[1..] : throw new FormatException($"Docker endpoint '{text}' is malformed after the address.");
            }
        }
        else
        {
            var colon = hostPort.LastIndexOf(':');
            host = colon >= 0 ? hostPort[..colon] : hostPort;
            portText = colon >= 0 ? hostPort[(colon + 1)..] : null;
        }

        if (host.Length == 0)
        {
            throw new FormatException($"Docker endpoint '{text}' has no host.");
        }

        if (portText is null)
        {
            return (host, null);
        }

        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"Docker endpoint '{text}' has an invalid port '{portText}'.");
        }

        return (host, port);
    }
}
