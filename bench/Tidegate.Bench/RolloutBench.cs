using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Tidegate.Core.Edge;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Core.Strategies;
using Tidegate.Core.Tests.Strategies;

namespace Tidegate.Bench;

/// <summary>Steady HTTP load through the HAProxy edge on 127.0.0.1 while the demo web stack is upgraded 1.0.0 → 1.1.0,
/// per strategy, and the seeds' method (`docker-compose up -d --force-recreate`) behind the same edge for comparison.
/// Reports failed requests, p99 and max latency. The load is bounded (rate × time) and stops by itself.
/// Usage: Tidegate.Bench rollout [rate=200] [runs=1]</summary>
internal static class RolloutBench
{
    private const string Old = "tidegate-test/web:1.0.0";
    private const string New = "tidegate-test/web:1.1.0";

    /// <summary>Two containers per version for every method: one busybox web container does not keep up with the rate on
    /// a 2-core machine shared with builds.</summary>
    private const int Replicas = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var run = Guid.NewGuid().ToString("N")[..8];
        var directory = Path.Combine(Path.GetTempPath(), $"tidegate-rollout-bench-{run}");
        Directory.CreateDirectory(directory);
        foreach (var image in new[] { Old, New })
        {
            if ((await Exec("docker", $"image inspect {image}", directory)).Code != 0)
            {
                Console.Error.WriteLine($"{image} is missing: run the tests once (they build the test images).");
                return 2;
            }
        }

        var label = ("tidegate.bench", run);
        var store = await TidegateStore.OpenAsync(new StoreOptions(Path.Combine(directory, "data")), SecretProtector.Load(directory, _ => null), TimeProvider.System, CancellationToken.None);
        var environment = await new EnvironmentService(store, new DockerEngineFactory(), TimeProvider.System).EnsureDefaultAsync(CancellationToken.None);
        var options = new EngineOptions { ExtraLabels = new Dictionary<string, string> { [label.Item1] = label.Item2 }, PollInterval = TimeSpan.FromMilliseconds(50) };
        var edge = new HaproxyEdge(new EdgeOptions { Directory = Path.Combine(directory, "edge"), CheckIntervalMs = 500 }, TimeProvider.System);
        var strategies = new RolloutStrategies(edge, new RolloutRegistry(), TimeProvider.System);
        var driver = new RolloutDriver(store, environment, options, strategies);
        var results = new List<(string Method, Result Result)>();
        try
        {
            await edge.StartAsync(CancellationToken.None);
            // Warm-up, not counted: JIT, the daemon, HAProxy and the load generator's connections.
            await StrategyAsync(driver, RolloutStrategyKind.BlueGreen, "blue-green", $"wu-{run}", rate, "\n    keepOldFor: 0s", Replicas);
            for (var i = 0; i < runs; i++)
            {
                results.Add(("blue-green", await StrategyAsync(driver, RolloutStrategyKind.BlueGreen, "blue-green", $"bg{i}-{run}", rate, "\n    keepOldFor: 0s", Replicas)));
                results.Add(("rolling, 1 per batch", await StrategyAsync(driver, RolloutStrategyKind.Rolling, "rolling", $"rl{i}-{run}", rate,
                    "\n    parallelism: 1", Replicas)));
                results.Add(("canary 10→50→100, 3 s steps", await StrategyAsync(driver, RolloutStrategyKind.Canary, "canary", $"cn{i}-{run}", rate,
                    "\n    steps: [10, 50, 100]\n    pause: 3s", Replicas)));
                results.Add(("docker-compose up -d --force-recreate", await ComposeAsync(edge, directory, $"dc{i}-{run}", rate, label)));
            }
        }
        finally
        {
            await edge.StopProcessAsync(CancellationToken.None);
            await Exec("sh", $"-c \"docker rm -f $(docker ps -aq --filter label={label.Item1}={label.Item2}) >/dev/null 2>&1; docker network prune -f --filter label={label.Item1}={label.Item2} >/dev/null 2>&1\"", directory);
        }

        Console.WriteLine();
        Console.WriteLine($"| method | requests | failed | p99 ms | max ms | upgrade s |  (load {rate} req/s through HAProxy on 127.0.0.1)");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (method, r) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {method} | {r.Requests} | {r.Failed} | {r.P99:0} | {r.Max:0} | {r.Upgrade.TotalSeconds:0.0} |"));
        }

        foreach (var (method, r) in results.Where(x => x.Result.Samples.Count > 0))
        {
            Console.Error.WriteLine($"{method}: first failures: {string.Join(" | ", r.Samples)}");
        }

        return 0;
    }

    private sealed record Result(int Requests, int Failed, double P99, double Max, TimeSpan Upgrade, IReadOnlyList<string> Samples);

    private static string Stack(string strategy, int listen, string image, string version, string extra, int replicas) => $$"""
        x-tidegate:
          strategy:
            type: {{strategy}}{{extra}}
          edge:
            entries:
              - service: web
                port: 8080
                listen: "127.0.0.1:{{listen.ToString(CultureInfo.InvariantCulture)}}"
                maxconn: 4
                serverTimeout: 2s
        services:
          web:
            image: {{image}}
            environment:
              VERSION: "{{version}}"
            stop_grace_period: 2s
            deploy:
              replicas: {{replicas.ToString(CultureInfo.InvariantCulture)}}
        """;

    private static async Task<Result> StrategyAsync(RolloutDriver driver, RolloutStrategyKind kind, string strategy, string name, int rate, string extra, int replicas = 1)
    {
        var listen = FreeLoopbackPort();
        var (first, _) = await driver.RunAsync(name, Stack(strategy, listen, Old, "1.0.0", extra, replicas), "1.0.0", kind, CancellationToken.None);
        if (first.Status != OperationStatus.Succeeded)
        {
            throw new InvalidOperationException($"first deploy failed: {first.Error}");
        }

        return await UnderLoadAsync(listen, rate, async () =>
        {
            var (upgrade, _) = await driver.RunAsync(name, Stack(strategy, listen, New, "1.1.0", extra, replicas), "1.1.0", kind, CancellationToken.None);
            if (upgrade.Status != OperationStatus.Succeeded)
            {
                throw new InvalidOperationException($"upgrade failed: {upgrade.Error}");
            }
        });
    }

    /// <summary>The seeds' method behind the same edge: the container publishes a fixed loopback port that the edge
    /// forwards to (same retries, same maxconn), and docker-compose replaces it in place.</summary>
    private static async Task<Result> ComposeAsync(HaproxyEdge edge, string directory, string name, int rate, (string Key, string Value) label)
    {
        var listen = FreeLoopbackPort();
        var port = FreeAdjacentPorts();
        var port2 = port + 1;
        var file = Path.Combine(directory, $"{name}.yml");
        string Compose(string image, string version) => $$"""
            version: "2.4"
            services:
              web:
                image: {{image}}
                environment:
                  VERSION: "{{version}}"
                scale: {{Replicas}}
                ports:
                  - "127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}}-{{port2.ToString(CultureInfo.InvariantCulture)}}:8080"
                stop_grace_period: 2s
                labels:
                  {{label.Key}}: "{{label.Value}}"
            """;
        await File.WriteAllTextAsync(file, Compose(Old, "1.0.0"));
        var up = await Exec("docker-compose", $"-f {file} -p {name} up -d", directory);
        if (up.Code != 0)
        {
            throw new InvalidOperationException("docker-compose up failed: " + up.Output);
        }

        var entry = new EdgeEntry(name, "web", 8080, $"127.0.0.1:{listen.ToString(CultureInfo.InvariantCulture)}", MaxConnPerServer: 4, ServerTimeoutMs: 2000);
        await edge.EnsureEntriesAsync(string.Empty, name, [entry], CancellationToken.None);
        await edge.AddServerAsync(entry, "r1-1", port, 100, EdgeServerState.Ready, CancellationToken.None);
        await edge.AddServerAsync(entry, "r1-2", port2, 100, EdgeServerState.Ready, CancellationToken.None);
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while ((await edge.ServersAsync(entry, CancellationToken.None)).Any(s => !s.Status.StartsWith("UP", StringComparison.Ordinal)) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        try
        {
            return await UnderLoadAsync(listen, rate, async () =>
            {
                await File.WriteAllTextAsync(file, Compose(New, "1.1.0"));
                var recreate = await Exec("docker-compose", $"-f {file} -p {name} up -d --force-recreate", directory);
                if (recreate.Code != 0)
                {
                    throw new InvalidOperationException("docker-compose up --force-recreate failed: " + recreate.Output);
                }
            });
        }
        finally
        {
            await Exec("docker-compose", $"-f {file} -p {name} down -t 1", directory);
            await edge.RemoveDeploymentAsync(string.Empty, name, CancellationToken.None);
        }
    }

    /// <summary>2 s of load before, the upgrade, 3 s after; bounded by the rate × 120 s.</summary>
    private static async Task<Result> UnderLoadAsync(int listen, int rate, Func<Task> upgrade)
    {
        await using var load = new HttpLoad(listen, rate, maxRequests: rate * 120, maxDuration: TimeSpan.FromSeconds(120));
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();
        await upgrade();
        var took = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(3));
        await load.StopAsync();
        var (p99, max) = load.Latency();
        return new Result(load.Completed, load.Failures.Count, p99, max, took, load.Failures.Take(3).ToList());
    }

    /// <summary>p and p + 1 both free on 127.0.0.1 (the compose service publishes its two replicas on that range).</summary>
    private static int FreeAdjacentPorts()
    {
        while (true)
        {
            var port = FreeLoopbackPort();
            try
            {
                using var next = new TcpListener(System.Net.IPAddress.Loopback, port + 1);
                next.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(int Code, string Output)> Exec(string file, string arguments, string directory)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }
}
