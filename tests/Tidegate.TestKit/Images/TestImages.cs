using System.Security.Cryptography;
using System.Text;

namespace Tidegate.TestKit.Images;

/// <summary>
/// The images every integration test uses, built from scratch with Debian's static busybox by the docker CLI.
/// Web images: VERSION served at / and /version; /health 200 (500 with HEALTH_FAIL=1); CRASH=1 exits with 3
/// at start; START_DELAY seconds before listening; PORT (default 8080); a 1s HEALTHCHECK. The worker prints
/// a line every second and stops promptly on SIGTERM.
/// </summary>
public static class TestImages
{
    public const string Web100 = "tidegate-test/web:1.0.0";
    public const string Web110 = "tidegate-test/web:1.1.0";
    public const string Web200 = "tidegate-test/web:2.0.0";
    public const string Worker100 = "tidegate-test/worker:1.0.0";
    public const int WebPort = 8080;

    /// <summary>Label on every test image holding the hash of its build inputs.</summary>
    public const string ContentHashLabel = "tidegate.test.content-hash";

    public const string BusyboxPath = "/bin/busybox";

    private static readonly SemaphoreSlim ProcessGate = new(1, 1);
    private static volatile bool _built;

    public static IReadOnlyList<string> All { get; } = [Web100, Web110, Web200, Worker100];

    /// <summary>
    /// Builds the images unless a tag already carries the same content hash. Safe to call from many tests and
    /// from several test processes at once (a file lock serializes the builds).
    /// </summary>
    public static async Task EnsureBuiltAsync(CancellationToken cancellationToken)
    {
        if (_built)
        {
            return;
        }

        await ProcessGate.WaitAsync(cancellationToken);
        try
        {
            if (_built)
            {
                return;
            }

            await BuildOutdatedLockedAsync(cancellationToken);
            _built = true;
        }
        finally
        {
            ProcessGate.Release();
        }
    }

    /// <summary>Checks every image's content hash and builds the ones that differ, ignoring the
    /// process-wide "already built" flag; returns the tags it built.</summary>
    internal static async Task<IReadOnlyList<string>> BuildOutdatedAsync(CancellationToken cancellationToken)
    {
        await ProcessGate.WaitAsync(cancellationToken);
        try
        {
            return await BuildOutdatedLockedAsync(cancellationToken);
        }
        finally
        {
            ProcessGate.Release();
        }
    }

    private static async Task<IReadOnlyList<string>> BuildOutdatedLockedAsync(CancellationToken cancellationToken)
    {
        await using (await CrossProcessLock.AcquireAsync("images", TimeSpan.FromMinutes(3), cancellationToken))
        {
            return await BuildMissingAsync(cancellationToken);
        }
    }

    private static async Task<List<string>> BuildMissingAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(BusyboxPath))
        {
            throw new InvalidOperationException($"{BusyboxPath} is missing; install Debian's busybox-static.");
        }

        var busybox = await File.ReadAllBytesAsync(BusyboxPath, cancellationToken);
        var targets = new (string Tag, string Dockerfile, string Version)[]
        {
            (Web100, "Dockerfile", "1.0.0"),
            (Web110, "Dockerfile", "1.1.0"),
            (Web200, "Dockerfile", "2.0.0"),
            (Worker100, "Dockerfile.worker", "1.0.0"),
        };

        string? context = null;
        var built = new List<string>();
        try
        {
            foreach (var (tag, dockerfile, version) in targets)
            {
                var hash = ContentHash(busybox, tag, dockerfile, version);
                var existing = await DockerCli.TryRunAsync(["image", "inspect", "-f", $"{{{{index .Config.Labels \"{ContentHashLabel}\"}}}}", tag], cancellationToken);
                if (existing.ExitCode == 0 && existing.Stdout.Trim() == hash)
                {
                    continue;
                }

                context ??= await WriteContextAsync(cancellationToken);
                await DockerCli.RunAsync(
                    ["build", "-q", "--force-rm", "-f", Path.Combine(context, dockerfile), "-t", tag, "--build-arg", "VERSION=" + version, "--label", $"{ContentHashLabel}={hash}", context],
                    cancellationToken);
                built.Add(tag);
            }
        }
        finally
        {
            if (context is not null)
            {
                Directory.Delete(context, recursive: true);
            }
        }

        return built;
    }

    private static string ContentHash(byte[] busybox, string tag, string dockerfile, string version)
    {
        var text = string.Join('\n', tag, dockerfile, version, TestImageSources.Dockerfile, TestImageSources.WorkerDockerfile,
            TestImageSources.WebScript, TestImageSources.HandlerScript, TestImageSources.WorkerScript, Convert.ToHexString(SHA256.HashData(busybox)));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant();
    }

    private static async Task<string> WriteContextAsync(CancellationToken cancellationToken)
    {
        var context = Directory.CreateTempSubdirectory("tidegate-images-").FullName;
        // File.Copy keeps the executable bit, which the image needs.
        File.Copy(BusyboxPath, Path.Combine(context, "busybox"));
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), TestImageSources.Dockerfile, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile.worker"), TestImageSources.WorkerDockerfile, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(context, "web.sh"), TestImageSources.WebScript, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(context, "handle.sh"), TestImageSources.HandlerScript, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(context, "worker.sh"), TestImageSources.WorkerScript, cancellationToken);
        return context;
    }
}
