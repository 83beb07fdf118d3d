using System.Diagnostics;
using System.Globalization;

namespace Tidegate.TestKit;

/// <summary>The fallbacks of <see cref="PrivateDockerDaemon"/>'s cleanup: what is left when dockerd died, hung or its test
/// process was killed.</summary>
public sealed partial class PrivateDockerDaemon
{
    /// <summary>"pid start-time" of this process: a pid alone may be reused by then.</summary>
    private static string Owner() => string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId} {StartTimeOf(Environment.ProcessId)}");

    /// <summary>Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot (null: no such process).</summary>
    private static string? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may hold spaces; the fields after it start at state (field 3).
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A test process that was killed (a CI timeout) could not dispose its daemon; with live-restore its containers
    /// would run on forever. Clean up the directories whose owner is gone, as dispose would.</summary>
    private static async Task RemoveOrphansAsync()
    {
        foreach (var directory in System.IO.Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            var owner = Path.Combine(directory, "owner");
            if (!File.Exists(owner) || OwnerAlive(await File.ReadAllTextAsync(owner)))
            {
                continue;
            }

            try
            {
                await new PrivateDockerDaemon(directory, liveRestore: false).DisposeAsync();
            }
            catch (InvalidOperationException)
            {
                // Left for the next start to try again; it is not this test's failure.
            }
        }
    }

    private static bool OwnerAlive(string owner)
    {
        var parts = owner.Split(' ');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        return StartTimeOf(pid) == parts[1].Trim();
    }

    /// <summary>Containers runc still runs for this daemon (dockerd crashed or would not stop), then any process
    /// still naming the directory (containerd, shims): killed by pid.</summary>
    private async Task KillLeftoversAsync(CancellationToken ct)
    {
        var runcRoot = Path.Combine(ExecRoot, "runtime-runc", "moby");
        if (System.IO.Directory.Exists(runcRoot))
        {
            var listed = await ProcessRunner.RunAsync("runc", ["--root", runcRoot, "list", "-q"], ct);
            foreach (var id in listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await ProcessRunner.RunAsync("runc", ["--root", runcRoot, "kill", id, "KILL"], ct);
                await ProcessRunner.RunAsync("runc", ["--root", runcRoot, "delete", "--force", id], ct);
            }
        }

        foreach (var pid in ProcessesNaming(Directory))
        {
            try
            {
                using var leftover = Process.GetProcessById(pid);
                leftover.Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone in the meantime.
            }
        }
    }

    private static List<int> ProcessesNaming(string directory)
    {
        var found = new List<int>();
        foreach (var entry in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(entry, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(directory + "/", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>dockerd bind-mounts its data root and leaves overlay and netns mounts when it does not stop cleanly;
    /// lazily unmount everything below the directory, deepest first, so the delete does not walk into them.</summary>
    private async Task UnmountAsync(CancellationToken ct)
    {
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(point => point.StartsWith(Directory + "/", StringComparison.Ordinal))
            .Distinct()
            .OrderByDescending(point => point.Length);
        foreach (var point in mounts)
        {
            await ProcessRunner.RunAsync("umount", ["-l", point], ct);
        }
    }
}
