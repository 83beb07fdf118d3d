namespace Tidegate.Core.Edge;

/// <summary>Puts a rendered HAProxy configuration in place: written to a 0600 temp file, checked with <c>haproxy -c</c>,
/// renamed over haproxy.cfg with its maintenance map, then loaded (a start or a seamless reload). A refused candidate changes
/// nothing; a load that fails after the check puts the last good files back.</summary>
internal sealed class HaproxyConfigInstaller(EdgeOptions options, HaproxyProcess process, HaproxyRuntime runtime, TimeProvider time)
{
    /// <param name="before">The configuration in place now (null: none), restored when the load fails.</param>
    public async Task InstallAsync(string config, string? before, string maintenanceMap, bool reload, CancellationToken ct)
    {
        var temp = EdgeFiles.TempBeside(options.ConfigPath);
        try
        {
            await EdgeFiles.WriteAsync(temp, config, ct);
            if (await process.CheckAsync(temp, ct) is { } complaint)
            {
                throw new EdgeException($"HAProxy refused the new edge configuration; the last good one stays in place: {complaint}");
            }

            var mapBefore = File.Exists(options.MaintenanceMapPath) ? await File.ReadAllTextAsync(options.MaintenanceMapPath, ct) : null;
            await EdgeFiles.WriteAsync(options.MaintenanceMapPath, maintenanceMap, ct);
            File.Move(temp, options.ConfigPath, overwrite: true);
            try
            {
                await LaunchAsync(reload, ct);
            }
            catch
            {
                await RestoreAsync(options.ConfigPath, before);
                await RestoreAsync(options.MaintenanceMapPath, mapBefore);
                throw;
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task LaunchAsync(bool reload, CancellationToken ct)
    {
        var oldPid = reload ? await runtime.PidAsync(ct) : null;
        await process.StartAsync(oldPid, ct);
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (await runtime.IsAliveAsync(ct) && (oldPid is null || await runtime.PidAsync(ct) != oldPid))
            {
                if (!OperatingSystem.IsWindows() && File.Exists(options.PidPath))
                {
                    File.SetUnixFileMode(options.PidPath, EdgeFiles.OwnerOnlyFile);
                }

                return;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new EdgeException("HAProxy started but its Runtime API does not answer on " + options.SocketPath);
            }

            await Task.Delay(options.PollInterval, time, ct);
        }
    }

    /// <summary>Puts a file's previous content back (or removes a file that did not exist), whatever the operation's token says.</summary>
    private static async Task RestoreAsync(string path, string? previous)
    {
        if (previous is null)
        {
            File.Delete(path);
        }
        else
        {
            await EdgeFiles.WriteAsync(path, previous, CancellationToken.None);
        }
    }
}
