using System.Diagnostics;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

public sealed class PrivateDockerDaemonTests(DockerDaemonFixture fixture) : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>
{
    [Fact]
    public async Task Restart_WithLiveRestore_KeepsTheContainerRunning_AndLeavesTheHostsDocker0Alone()
    {
        var hadDocker0 = Directory.Exists("/sys/class/net/docker0");
        await using var daemon = await PrivateDockerDaemon.StartAsync(liveRestore: true, [TestImages.Worker100], Ct);
        await daemon.DockerAsync(["run", "-d", "--network", "none", "--name", "kept", TestImages.Worker100], Ct);
        var before = await daemon.DockerAsync(["inspect", "-f", "{{.State.Pid}} {{.State.StartedAt}}", "kept"], Ct);
        var pid = daemon.ProcessId;

        await daemon.RestartAsync(Ct);

        Assert.NotEqual(pid, daemon.ProcessId);
        Assert.Equal(before, await daemon.DockerAsync(["inspect", "-f", "{{.State.Pid}} {{.State.StartedAt}}", "kept"], Ct));
        Assert.Equal(hadDocker0, Directory.Exists("/sys/class/net/docker0"));
    }

    [Fact]
    public async Task Dispose_AfterDockerdDied_StillRemovesItsContainerMountsProcessesAndDirectory()
    {
        var daemon = await PrivateDockerDaemon.StartAsync(liveRestore: true, [TestImages.Worker100], Ct);
        var directory = daemon.Directory;
        int containerPid;
        try
        {
            await daemon.DockerAsync(["run", "-d", "--network", "none", "--name", "orphan", TestImages.Worker100], Ct);
            containerPid = int.Parse((await daemon.DockerAsync(["inspect", "-f", "{{.State.Pid}}", "orphan"], Ct)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            using var dockerd = Process.GetProcessById(daemon.ProcessId!.Value);
            dockerd.Kill();
            await dockerd.WaitForExitAsync(Ct);
        }
        finally
        {
            await daemon.DisposeAsync();
        }

        Assert.False(Directory.Exists(directory));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), line => line.Contains(directory, StringComparison.Ordinal));
        Assert.False(IsAlive(containerPid), $"the container's process {containerPid} still runs");
        Assert.DoesNotContain(Directory.EnumerateDirectories("/proc").Select(p => Path.Combine(p, "cmdline")), path => CommandLineNames(path, directory));
    }

    // A killed process whose parent does not reap it stays a zombie: gone as far as running goes.
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool CommandLineNames(string path, string directory)
    {
        try
        {
            return File.ReadAllText(path).Replace('\0', ' ').Contains(directory + "/", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
