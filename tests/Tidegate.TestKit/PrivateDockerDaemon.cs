using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Tidegate.TestKit;

/// <summary>
/// A second dockerd that one test owns and may restart, so the shared engine at /var/run/docker.sock is never
/// restarted. Everything lives in a temp directory: its unix socket, --data-root, --exec-root (where dockerd starts
/// its own containerd, apart from the shared one's /run/docker/containerd) and --pidfile. It runs in a network namespace
/// of its own (<c>unshare --net</c>) with no bridge and leaves iptables and ip_forward alone, so containers on it must use
/// <c>network_mode: none</c>. The namespace is not optional: dockerd started with <c>--bridge=none</c> deletes the
/// host's docker0, which would break the shared engine's default network. Its log goes to
/// <see cref="LogPath"/>; failures quote the tail. Dispose removes its containers, stops it (and its containerd),
/// unmounts what it left mounted and deletes the directory; a start does the same for daemons whose test process is gone.
/// </summary>
public sealed partial class PrivateDockerDaemon : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private const string DirectoryPrefix = "tgdd-";

    private Process? _process;

    private PrivateDockerDaemon(string directory, bool liveRestore)
    {
        Directory = directory;
        LiveRestore = liveRestore;
        System.IO.Directory.CreateDirectory(DataRoot);
        System.IO.Directory.CreateDirectory(ExecRoot);
    }

    /// <summary>The temp directory holding everything of this daemon.</summary>
    public string Directory { get; }

    public bool LiveRestore { get; }

    public string SocketPath => Path.Combine(Directory, "docker.sock");

    /// <summary>"unix:///tmp/…/docker.sock", the form environments and DOCKER_HOST take.</summary>
    public string Endpoint => "unix://" + SocketPath;

    public string LogPath => Path.Combine(Directory, "dockerd.log");

    /// <summary>The dockerd process id while it runs.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    private string DataRoot => Path.Combine(Directory, "data");

    private string ExecRoot => Path.Combine(Directory, "exec");

    private string PidFile => Path.Combine(Directory, "docker.pid");

    /// <summary>"pid start-time" of the test process that owns the daemon.</summary>
    private string OwnerFile => Path.Combine(Directory, "owner");

    /// <summary>Starts the daemon (with <c>--live-restore</c> when asked), waits for /_ping and loads
    /// <paramref name="images"/> from the shared engine into it.</summary>
    public static async Task<PrivateDockerDaemon> StartAsync(bool liveRestore, IReadOnlyList<string> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        await RemoveOrphansAsync();
        // Short: the socket path (and containerd's below the exec root) must fit a sockaddr_un.
        var daemon = new PrivateDockerDaemon(System.IO.Directory.CreateTempSubdirectory(DirectoryPrefix).FullName, liveRestore);
        await File.WriteAllTextAsync(daemon.OwnerFile, Owner(), cancellationToken);
        try
        {
            await daemon.StartProcessAsync(cancellationToken);
            if (images.Count > 0)
            {
                await daemon.LoadImagesAsync(images, cancellationToken);
            }

            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    /// <summary>Copies images from the shared engine: <c>docker save … | docker -H &lt;this&gt; load</c>.</summary>
    public async Task LoadImagesAsync(IReadOnlyList<string> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        var result = await ProcessRunner.RunAsync(
            "bash",
            ["-c", "set -euo pipefail; host=$1; shift; docker save \"$@\" | docker -H \"$host\" load -q", "load-images", Endpoint, .. images],
            cancellationToken);
        if (result.ExitCode != 0)
        {
            throw Failure($"loading {string.Join(' ', images)} into the private daemon failed ({result.Stderr.Trim()})");
        }
    }

    /// <summary>The docker CLI against this daemon; throws with the daemon's log tail when it fails.</summary>
    public async Task<string> DockerAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var result = await ProcessRunner.RunAsync("docker", ["-H", Endpoint, .. arguments], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw Failure($"docker {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.Stderr.Trim()}");
        }

        return result.Stdout;
    }

    /// <summary>SIGTERM, wait for the exit, start again on the same directories and wait for /_ping. Without
    /// live-restore dockerd stops the containers on the way down and restarts those with a restart policy.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync(cancellationToken);
        await StartAsync(cancellationToken);
    }

    /// <summary>Starts the daemon again after <see cref="StopAsync"/>, on the same directories, and waits for /_ping.</summary>
    public Task StartAsync(CancellationToken cancellationToken) =>
        _process is null ? StartProcessAsync(cancellationToken) : throw new InvalidOperationException("The private dockerd is already running.");

    /// <summary>SIGTERM and wait for the exit (SIGKILL after 30 s). With live-restore the containers keep running.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        try
        {
            if (!process.HasExited)
            {
                await ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], cancellationToken);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(StopTimeout);
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    process.Kill();
                    process.WaitForExit();
                    throw Failure($"dockerd (pid {process.Id}) did not stop within {StopTimeout.TotalSeconds:0}s of SIGTERM and was killed");
                }
            }

            Append($"--- tidegate test: dockerd exited with {process.ExitCode} ---");
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>The last lines of the daemon's log (without gRPC and containerd plugin chatter), for failure messages.</summary>
    public string LogTail(int lines = 40)
    {
        if (!File.Exists(LogPath))
        {
            return "(no log: the daemon's directory is gone)";
        }

        var all = File.ReadAllLines(LogPath);
        return string.Join('\n', all.Where(l => !l.Contains("module=grpc", StringComparison.Ordinal) && !l.Contains("msg=\"loading plugin", StringComparison.Ordinal)).TakeLast(lines));
    }

    /// <summary>Cleans up even after dockerd died or hung: what the fallbacks fix (containers runc still runs, processes
    /// left behind, mounts) is not an error, so a failing test's own exception is not replaced; only a directory that
    /// cannot be deleted throws.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var ct = timeout.Token;
        if (ProcessId is not null)
        {
            // With live-restore the containers would outlive the daemon; remove them while it still answers.
            var ids = await ProcessRunner.RunAsync("docker", ["-H", Endpoint, "ps", "-aq"], ct);
            var containers = ids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (containers.Length > 0)
            {
                await ProcessRunner.RunAsync("docker", ["-H", Endpoint, "rm", "-f", "-v", .. containers], ct);
            }
        }

        try
        {
            await StopAsync(ct);
        }
        catch (InvalidOperationException)
        {
            // It did not stop on SIGTERM and was killed; the leftovers are handled below.
        }

        await KillLeftoversAsync(ct);
        await UnmountAsync(ct);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"the private dockerd's directory {Directory} could not be deleted: {ex.Message}", ex);
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        // sh and unshare exec, so the process is dockerd itself (SIGTERM reaches it), in a fresh network namespace; the socket
        // is a path, which the host's namespace reaches as any file. Its output goes straight to the log file: a pipe to this
        // process could be held open by a containerd that outlives it.
        var info = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "-c", "log=$1; shift; exec unshare --net dockerd \"$@\" </dev/null >>\"$log\" 2>&1", "sh", LogPath,
                     "--host=" + Endpoint, "--data-root=" + DataRoot, "--exec-root=" + ExecRoot, "--pidfile=" + PidFile,
                     "--bridge=none", "--iptables=false", "--ip-masq=false", "--ip-forward=false",
                 })
        {
            info.ArgumentList.Add(argument);
        }

        if (LiveRestore)
        {
            info.ArgumentList.Add("--live-restore");
        }

        // The shared engine's DOCKER_HOST must not leak into anything dockerd runs.
        info.Environment.Remove("DOCKER_HOST");
        Append($"--- tidegate test: starting unshare --net dockerd {string.Join(' ', info.ArgumentList.Skip(4))} ---");
        var hadDocker0 = HostHasDocker0();
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start sh.");
        _process = process;
        await WaitForPingAsync(process, cancellationToken);
        if (hadDocker0 && !HostHasDocker0())
        {
            throw Failure("the host's docker0 disappeared while the private dockerd started: it must not share the host's network namespace");
        }
    }

    private static bool HostHasDocker0() => System.IO.Directory.Exists("/sys/class/net/docker0");

    private async Task WaitForPingAsync(Process process, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        const string Exited = "exited";
        string answer;
        try
        {
            answer = await Wait.UntilAsync(
                async ct =>
                {
                    if (process.HasExited)
                    {
                        return Exited;
                    }

                    using var response = await http.GetAsync(new Uri("http://docker/_ping"), ct);
                    return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : response.StatusCode.ToString();
                },
                text => text is "OK" or Exited,
                $"the private dockerd to answer /_ping on {SocketPath}",
                StartTimeout,
                cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw Failure(ex.Message);
        }

        if (answer == Exited)
        {
            throw Failure($"dockerd exited with {process.ExitCode} before answering /_ping (are docker.io and util-linux installed?)");
        }
    }

    private void Append(string line) => File.AppendAllText(LogPath, line + "\n");

    private InvalidOperationException Failure(string message) =>
        new($"{message}\n--- last lines of {LogPath} ---\n{LogTail()}");
}
