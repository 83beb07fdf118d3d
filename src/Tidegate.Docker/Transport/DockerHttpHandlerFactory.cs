using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Tidegate.Docker.Transport;

/// <summary>Builds the HTTP handler and base address that speak to one endpoint.</summary>
internal static class DockerHttpHandlerFactory
{
    public static (SocketsHttpHandler Handler, Uri BaseAddress) Create(DockerEndpoint endpoint)
    {
        var handler = new SocketsHttpHandler
        {
            // Long-lived streams (logs, events) hold a connection each; keep the pool modest but not tiny.
            MaxConnectionsPerServer = 64,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            UseProxy = false,
            AllowAutoRedirect = false,
        };

        switch (endpoint.Kind)
        {
            case DockerEndpointKind.Unix:
                var path = endpoint.SocketPath!;
                handler.ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                };
                return (handler, new Uri("http://docker/"));

            case DockerEndpointKind.Tcp:
                var scheme = endpoint.Tls is null ? "http" : "https";
                if (endpoint.Tls is not null)
                {
                    handler.SslOptions = CreateSslOptions(endpoint.Tls);
                }

                var host = endpoint.Host!.Contains(':', StringComparison.Ordinal) ? $"[{endpoint.Host}]" : endpoint.Host;
                return (handler, new Uri($"{scheme}://{host}:{endpoint.Port}/"));

            case DockerEndpointKind.Ssh:
                var arguments = SshArguments(endpoint);
                handler.ConnectCallback = (_, _) => ValueTask.FromResult<Stream>(DuplexProcessStream.Start("ssh", arguments));
                return (handler, new Uri("http://docker/"));

            default:
                throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint.Kind, "Unknown endpoint kind.");
        }
    }

    /// <summary>The ssh command line; BatchMode so a missing key fails instead of prompting.</summary>
    internal static IReadOnlyList<string> SshArguments(DockerEndpoint endpoint)
    {
        var arguments = new List<string> { "-o", "BatchMode=yes" };
        if (endpoint.Port is { } port)
        {
            arguments.AddRange(["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (endpoint.User is { } user)
        {
            arguments.AddRange(["-l", user]);
        }

        arguments.AddRange(endpoint.SshOptions);
        arguments.AddRange(["--", endpoint.Host!, "docker", "system", "dial-stdio"]);
        return arguments;
    }

    private static SslClientAuthenticationOptions CreateSslOptions(DockerTlsOptions tls)
    {
        var options = new SslClientAuthenticationOptions();
        if (tls.CertFile is not null && tls.KeyFile is not null)
        {
            options.ClientCertificates = [X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile)];
        }

        if (!tls.VerifyServer)
        {
            // DOCKER_TLS_VERIFY unset: encrypt, but accept any server certificate, as the Docker CLI does.
#pragma warning disable CA5359
            options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
            return options;
        }

        if (tls.CaFile is null)
        {
            return options;
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(tls.CaFile);
        options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        };
        return options;
    }
}
