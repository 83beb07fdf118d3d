using System.Diagnostics;
using System.Globalization;
using System.Text;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Bench;

/// <summary>Deploy of a 10-service stack with cached images: Tidegate's engine vs `docker-compose up -d` (1.29) on the
/// same file, alternating, several iterations. Usage: Tidegate.Bench deploy [iterations=5] [services=10]</summary>
internal static class DeployBench
{
    private const string Image = "tidegate-test/web:1.0.0";

    public static async Task<int> RunAsync(string[] args)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var services = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var run = Guid.NewGuid().ToString("N")[..8];
        var label = ("tidegate.bench", run);
        var directory = Path.Combine(Path.GetTempPath(), $"tidegate-deploy-bench-{run}");
        Directory.CreateDirectory(directory);
        if ((await Exec("docker", $"image inspect {Image}", directory)).Code != 0)
        {
            Console.Error.WriteLine($"{Image} is missing: run the tests once (they build the test images).");
            return 2;
        }

        var stack = Stack(services, label);
        var file = Path.Combine(directory, "docker-compose.yml");
        await File.WriteAllTextAsync(file, stack);
        var store = await TidegateStore.OpenAsync(new StoreOptions(Path.Combine(directory, "data")), SecretProtector.Load(directory, _ => null), TimeProvider.System, CancellationToken.None);
        var environment = await new EnvironmentService(store, new DockerEngineFactory(), TimeProvider.System).EnsureDefaultAsync(CancellationToken.None);
        var options = new EngineOptions { ExtraLabels = new Dictionary<string, string> { [label.Item1] = label.Item2 }, PollInterval = TimeSpan.FromMilliseconds(50) };
        await using var engine = new DeploymentService(store, new DockerEngineFactory(), new StoreProgressSink(store), options, TimeProvider.System);
        var tidegate = new List<TimeSpan>();
        var compose = new List<TimeSpan>();
        try
        {
            for (var i = 0; i < iterations + 1; i++)
            {
                // The first round warms JIT, the daemon and the page cache; it is not counted.
                var t = await TidegateAsync(engine, environment.Id, $"tgbench-{run}-tg{i}", stack);
                var c = await ComposeAsync(file, $"tgbench-{run}-dc{i}", directory);
                if (i > 0)
                {
                    tidegate.Add(t);
                    compose.Add(c);
                }
            }
        }
        finally
        {
            await Exec("sh", $"-c \"docker rm -f $(docker ps -aq --filter label=tidegate.bench={run}) 2>/dev/null; docker network rm $(docker network ls -q --filter label=tidegate.bench={run}) 2>/dev/null || true\"", directory);
            Directory.Delete(directory, recursive: true);
        }

        var tg = Median(tidegate);
        var dc = Median(compose);
        Console.WriteLine($"deploy of {services} services, cached images, {iterations} iterations (alternating), median wall time:");
        Console.WriteLine($"  tidegate engine (incl. running/health verification): {tg.TotalMilliseconds:F0} ms  [{string.Join(", ", tidegate.Select(x => x.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)))}]");
        Console.WriteLine($"  docker-compose 1.29 up -d:                           {dc.TotalMilliseconds:F0} ms  [{string.Join(", ", compose.Select(x => x.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)))}]");
        var ratio = tg / dc;
        Console.WriteLine($"  ratio tidegate/compose: {ratio:F2} (target <= 0.8: {(ratio <= 0.8 ? "met" : "MISSED")})");
        return 0;
    }

    private static async Task<TimeSpan> TidegateAsync(DeploymentService engine, string environmentId, string name, string stack)
    {
        var watch = Stopwatch.StartNew();
        var started = await engine.DeployAsync(new DeployRequest(environmentId, name, "bench:bench:bench", "bench", "1.0.0", new StackSource(stack), [], "bench"),
            CancellationToken.None) as OperationStartResult.Started ?? throw new InvalidOperationException("deploy was not started");
        var done = await engine.WaitForOperationAsync(started.OperationId, CancellationToken.None);
        var elapsed = watch.Elapsed;
        if (done?.Status != OperationStatus.Succeeded)
        {
            throw new InvalidOperationException($"tidegate deploy {done?.Status}: {done?.Error}");
        }

        var removed = await engine.RemoveAsync(started.DeploymentId, removeVolumes: true, new OperationRequest("bench"), CancellationToken.None) as OperationStartResult.Started;
        await engine.WaitForOperationAsync(removed!.OperationId, CancellationToken.None);
        return elapsed;
    }

    private static async Task<TimeSpan> ComposeAsync(string file, string project, string directory)
    {
        var watch = Stopwatch.StartNew();
        var up = await Exec("docker-compose", $"-p {project} -f {file} up -d", directory);
        var elapsed = watch.Elapsed;
        if (up.Code != 0)
        {
            throw new InvalidOperationException("docker-compose up failed: " + up.Output);
        }

        await Exec("docker-compose", $"-p {project} -f {file} down -v -t 1", directory);
        return elapsed;
    }

    /// <summary>No published ports and healthchecks disabled, so both tools do the same work: create a network and ten
    /// containers and start them (dependencies: every service after s01, as compose orders them).</summary>
    private static string Stack(int services, (string Key, string Value) label)
    {
        var text = new StringBuilder("services:\n");
        for (var i = 1; i <= services; i++)
        {
            var name = $"s{i:00}";
            text.Append(CultureInfo.InvariantCulture, $"  {name}:\n    image: {Image}\n    environment:\n      VERSION: \"{name}\"\n    healthcheck:\n      disable: true\n");
            text.Append(CultureInfo.InvariantCulture, $"    labels:\n      {label.Key}: \"{label.Value}\"\n");
            if (i > 1)
            {
                text.Append("    depends_on:\n      - s01\n");
            }
        }

        return text.ToString();
    }

    private static TimeSpan Median(List<TimeSpan> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>Runs a process to its end; exit code and combined output. Shared by the benchmarks.</summary>
    internal static async Task<(int Code, string Output)> Exec(string command, string arguments, string directory)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
