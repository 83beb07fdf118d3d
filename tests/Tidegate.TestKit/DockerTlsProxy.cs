using System.Diagnostics;
using System.Net.Sockets;

namespace Tidegate.TestKit;

/// <summary>
/// Exposes the local engine as tcp://127.0.0.1:PORT with mutual TLS (socat in front of the unix socket), with
/// certificates made by openssl in a temp directory: a CA, a server cert for IP 127.0.0.1, a client cert the
/// proxy accepts, and a self-signed "rogue" cert/CA it rejects. Dispose to stop it.
/// </summary>
public sealed class DockerTlsProxy : IAsyncDisposable
{
    private readonly Process _process;

    private DockerTlsProxy(string directory, int port, Process process)
    {
        Directory = directory;
        Port = port;
        _process = process;
    }

    /// <summary>Holds ca.pem, cert.pem and key.pem (the client files, DOCKER_CERT_PATH layout) and rogue-*.pem.</summary>
    public string Directory { get; }

    public int Port { get; }

    public string Endpoint => $"tcp://127.0.0.1:{Port}";

    public string CaFile => Path.Combine(Directory, "ca.pem");

    public string ClientCertFile => Path.Combine(Directory, "cert.pem");

    public string ClientKeyFile => Path.Combine(Directory, "key.pem");

    public string RogueCertFile => Path.Combine(Directory, "rogue-cert.pem");

    public string RogueKeyFile => Path.Combine(Directory, "rogue-key.pem");

    /// <summary>Starts the proxy in front of <see cref="DockerDaemonFixture.EngineEndpoint"/> (DOCKER_HOST or the default socket).</summary>
    public static async Task<DockerTlsProxy> StartAsync(CancellationToken cancellationToken)
    {
        var engine = DockerDaemonFixture.EngineEndpoint;
        var target = engine.StartsWith("unix://", StringComparison.Ordinal)
            ? "unix-connect:" + engine["unix://".Length..]
            : "tcp-connect:" + new Uri(engine.Replace("tcp://", "http://", StringComparison.Ordinal)).Authority;
        var directory = System.IO.Directory.CreateTempSubdirectory("tidegate-tls-").FullName;
        try
        {
            await CreateCertificatesAsync(directory, cancellationToken);
            for (var attempt = 0; ; attempt++)
            {
                var port = FreePort.Next();
                var info = new ProcessStartInfo("socat") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
                info.ArgumentList.Add(
                    $"openssl-listen:{port},bind=127.0.0.1,reuseaddr,fork,cert={Path.Combine(directory, "server-cert.pem")},key={Path.Combine(directory, "server-key.pem")},cafile={Path.Combine(directory, "ca.pem")},verify=1");
                info.ArgumentList.Add(target);
                var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start socat (install Debian's socat).");
                process.OutputDataReceived += (_, _) => { };
                process.ErrorDataReceived += (_, _) => { };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                try
                {
                    await Wait.UntilAsync(
                        async ct =>
                        {
                            if (process.HasExited)
                            {
                                throw new InvalidOperationException($"socat exited with {process.ExitCode}");
                            }

                            using var tcp = new TcpClient();
                            await tcp.ConnectAsync("127.0.0.1", port, ct);
                            return true;
                        },
                        $"socat to listen on 127.0.0.1:{port}",
                        TimeSpan.FromSeconds(10),
                        cancellationToken);
                    // Something else may have answered on the port (it was free a moment ago); only our socat counts.
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"socat exited with {process.ExitCode} after the port answered");
                    }

                    return new DockerTlsProxy(directory, port, process);
                }
                catch (Exception) when (attempt < 2 && process.HasExited)
                {
                    process.Dispose();
                }
                catch
                {
                    await ChildProcess.StopAsync(process);
                    throw;
                }
            }
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ChildProcess.StopAsync(_process);
        }
        finally
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private static async Task CreateCertificatesAsync(string directory, CancellationToken cancellationToken)
    {
        string P(string name) => Path.Combine(directory, name);
        await File.WriteAllTextAsync(P("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", cancellationToken);
        await File.WriteAllTextAsync(P("client.ext"), "extendedKeyUsage=clientAuth\n", cancellationToken);
        string[] ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        await OpenSsl(["req", "-x509", .. ec, "-keyout", P("ca-key.pem"), "-out", P("ca.pem"), "-days", "2", "-subj", "/CN=tidegate-test-ca"]);
        await OpenSsl(["req", .. ec, "-keyout", P("server-key.pem"), "-out", P("server.csr"), "-subj", "/CN=127.0.0.1"]);
        await OpenSsl(["x509", "-req", "-in", P("server.csr"), "-CA", P("ca.pem"), "-CAkey", P("ca-key.pem"), "-CAcreateserial", "-out", P("server-cert.pem"), "-days", "2", "-extfile", P("server.ext")]);
        await OpenSsl(["req", .. ec, "-keyout", P("key.pem"), "-out", P("client.csr"), "-subj", "/CN=tidegate-test-client"]);
        await OpenSsl(["x509", "-req", "-in", P("client.csr"), "-CA", P("ca.pem"), "-CAkey", P("ca-key.pem"), "-CAcreateserial", "-out", P("cert.pem"), "-days", "2", "-extfile", P("client.ext")]);
        await OpenSsl(["req", "-x509", .. ec, "-keyout", P("rogue-key.pem"), "-out", P("rogue-cert.pem"), "-days", "2", "-subj", "/CN=rogue"]);

        Task OpenSsl(IReadOnlyList<string> arguments) => ProcessRunner.RunCheckedAsync("openssl", arguments, cancellationToken);
    }
}
