using System.Diagnostics;
using System.Globalization;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Edge;

/// <summary>Runs the haproxy executable: checks a candidate configuration, starts or reloads the daemon. The child gets
/// the allow-listed environment only (<see cref="ChildProcessEnvironment"/>), never TIDEGATE_SECRET_KEY or the bootstrap
/// password, and — when Tidegate runs as root and <see cref="EdgeOptions.User"/> exists — drops to that user after start.</summary>
internal sealed class HaproxyProcess(EdgeOptions options)
{
    private readonly Lazy<EdgeProcessUser?> _runAs = new(() => ResolveUser(options.User, "/etc/passwd"));

    /// <summary>The user HAProxy switches to (null: Tidegate is not root, the setting is empty, or the user does not exist).</summary>
    public EdgeProcessUser? RunAs => _runAs.Value;

    /// <summary><c>haproxy -c</c> on a configuration file: null when HAProxy accepts it, else its complaint.</summary>
    public async Task<string?> CheckAsync(string configPath, CancellationToken ct)
    {
        var (exitCode, output) = await RunAsync(["-c", "-f", configPath], ct);
        return exitCode == 0 ? null : Complaint(output, configPath);
    }

    /// <summary>Starts the daemon, or reloads it seamlessly (listening sockets handed over with -x, the old one finishing
    /// its connections after -sf) when <paramref name="oldPid"/> is given.</summary>
    public async Task StartAsync(int? oldPid, CancellationToken ct)
    {
        List<string> args = ["-D", "-f", options.ConfigPath, "-p", options.PidPath];
        if (oldPid is { } old)
        {
            args.AddRange(["-x", options.SocketPath, "-sf", old.ToString(CultureInfo.InvariantCulture)]);
        }

        var (exitCode, output) = await RunAsync(args, ct);
        if (exitCode != 0)
        {
            throw new EdgeException($"HAProxy did not start (exit {exitCode}): {Complaint(output, options.ConfigPath)}");
        }
    }

    /// <summary>The user's uid and primary gid from a passwd file, when Tidegate is privileged; null otherwise.</summary>
    internal static EdgeProcessUser? ResolveUser(string? name, string passwdPath)
    {
        if (string.IsNullOrEmpty(name) || !Environment.IsPrivilegedProcess || OperatingSystem.IsWindows() || !File.Exists(passwdPath))
        {
            return null;
        }

        foreach (var line in File.ReadLines(passwdPath))
        {
            var f = line.Split(':');
            if (f.Length >= 4 && f[0] == name
                && int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
                && int.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
            {
                // Root by another name is no drop at all.
                return uid == 0 ? null : new EdgeProcessUser(name, uid, gid);
            }
        }

        return null;
    }

    /// <summary>HAProxy's own messages about the file Tidegate wrote, limited in length; the path is shortened to the
    /// file name (a candidate's random name says nothing).</summary>
    private static string Complaint(string output, string path)
    {
        var lines = output.Replace(path, "haproxy.cfg", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("[NOTICE]", StringComparison.Ordinal)).Take(6).ToList();
        var text = lines.Count == 0 ? "no message" : string.Join(" ", lines);
        return text.Length > 800 ? text[..800] + "…" : text;
    }

    private async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(options.Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = options.Directory,
        };
        ChildProcessEnvironment.Restrict(info);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new EdgeException("could not start " + options.Executable);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new EdgeException($"could not start {options.Executable} (is Debian's haproxy package installed?): {ex.Message}", ex);
        }

        using (process)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var output = (await stdout + await stderr).Trim();
            return (process.ExitCode, output);
        }
    }
}
