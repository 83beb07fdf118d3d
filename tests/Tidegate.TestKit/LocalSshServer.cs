using System.Diagnostics;
using System.Net.Sockets;

namespace Tidegate.TestKit;

/// <summary>
/// An OpenSSH server on a free 127.0.0.1 port accepting one generated ed25519 key for the current user, so
/// ssh:// engine endpoints (ssh ... docker system dial-stdio) can be tested locally. Needs Debian's
/// openssh-server. <see cref="ClientOptions"/> are the ssh client arguments that trust this server and use the key.
/// </summary>
public sealed class LocalSshServer : IAsyncDisposable
{
    private readonly Process _process;

    private LocalSshServer(string directory, int port, Process process)
    {
        Directory = directory;
        Port = port;
        _process = process;
    }

    public string Directory { get; }

    public int Port { get; }

    public string User { get; } = Environment.UserName;

    public string Endpoint => $"ssh://{User}@127.0.0.1:{Port}";

    public string IdentityFile => Path.Combine(Directory, "id_ed25519");

    /// <summary>ssh client options: this key only, this server's host key only, no user ssh config.</summary>
    public IReadOnlyList<string> ClientOptions =>
    [
        "-F", "/dev/null",
        "-i", IdentityFile,
        "-o", "IdentitiesOnly=yes",
        "-o", "UserKnownHostsFile=" + Path.Combine(Directory, "known_hosts"),
        "-o", "StrictHostKeyChecking=yes",
    ];

    public static async Task<LocalSshServer> StartAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("tidegate-sshd-").FullName;
        try
        {
            return await StartInAsync(directory, cancellationToken);
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    private static async Task<LocalSshServer> StartInAsync(string directory, CancellationToken cancellationToken)
    {
        string P(string name) => Path.Combine(directory, name);
        await ProcessRunner.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-f", P("host_key")], cancellationToken);
        await ProcessRunner.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-f", P("id_ed25519")], cancellationToken);
        File.Copy(P("id_ed25519.pub"), P("authorized_keys"));
        // sshd's privilege separation directory; Debian creates it only when the service starts.
        System.IO.Directory.CreateDirectory("/run/sshd");
        var hostKey = (await File.ReadAllTextAsync(P("host_key.pub"), cancellationToken)).Trim();

        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort.Next();
            await File.WriteAllTextAsync(P("known_hosts"), $"[127.0.0.1]:{port} {hostKey}\n", cancellationToken);
            await File.WriteAllTextAsync(P("sshd_config"), $"""
                Port {port}
                ListenAddress 127.0.0.1
                HostKey {P("host_key")}
                AuthorizedKeysFile {P("authorized_keys")}
                PubkeyAuthentication yes
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PermitRootLogin prohibit-password
                StrictModes no
                UsePAM no
                PidFile {P("sshd.pid")}

                """, cancellationToken);
            var info = new ProcessStartInfo("/usr/sbin/sshd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in new[] { "-D", "-e", "-f", P("sshd_config") })
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start sshd (install Debian's openssh-server).");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new LocalSshServer(directory, port, process);
            try
            {
                await Wait.UntilAsync(
                    async ct =>
                    {
                        if (process.HasExited)
                        {
                            throw new InvalidOperationException($"sshd exited with {process.ExitCode}");
                        }

                        using var tcp = new TcpClient();
                        await tcp.ConnectAsync("127.0.0.1", port, ct);
                        return true;
                    },
                    $"sshd to listen on 127.0.0.1:{port}",
                    TimeSpan.FromSeconds(10),
                    cancellationToken);
                // Something else may have answered on the port (it was free a moment ago); only our sshd counts.
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"sshd exited with {process.ExitCode} after the port answered");
                }

                return server;
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
}
