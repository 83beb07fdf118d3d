using System.Diagnostics;

namespace Tidegate.TestKit;

/// <summary>Shared handling of the helper processes the kit starts (registry, TLS proxy, sshd).</summary>
internal static class ChildProcess
{
    /// <summary>Kills the process tree if it still runs, waits for it to exit (bounded) and disposes it.</summary>
    public static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(timeout.Token);
            }
        }
        finally
        {
            process.Dispose();
        }
    }
}
