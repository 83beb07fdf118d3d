using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Bench;

/// <summary>Upgrade benchmarks (issue 6).
/// <c>rollback [runs=5]</c>: time from the failed health verdict of an upgrade of a 5-service stack (cached images) to the
/// old version answering again.
/// <c>upgrade-load [rate=100] [runs=2]</c>: requests failed during a successful recreate upgrade of the demo web stack under
/// steady load, Tidegate vs the seeds' `docker-compose up -d --force-recreate`, side by side.</summary>
internal static class UpgradeBench
{
    private const string Web100 = "tidegate-test/web:1.0.0";
    private const string Web110 = "tidegate-test/web:1.1.0";

    public static async Task<int> RollbackAsync(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        await using var bench = await Bench.OpenAsync("rollback");
        var results = new List<TimeSpan>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        for (var i = 0; i <= runs; i++)
        {
            var port = FreePort();
            var name = $"tgbench-{bench.Run}-rb{i}";
            var deployment = await bench.DeployAsync(name, FiveServices(port, Web100, "1.0.0", fail: false));
            bench.Sink.Clear();
            var started = await bench.Engine.UpgradeAsync(new UpgradeWorkRequest(deployment, "bench:bench:bench", "bench", "1.1.0",
                new StackSource(FiveServices(port, Web110, "1.1.0", fail: true)), new Dictionary<string, string>(), "bench"), CancellationToken.None);
            var operation = ((OperationStartResult.Started)started).OperationId;
            // The verdict: the executor's first "restore" progress event is published right after health verification failed.
            var verdict = await bench.Sink.WaitForAsync(operation, "restore", TimeSpan.FromMinutes(2));
            while (await AnswerAsync(http, port) != "1.0.0")
            {
                await Task.Delay(5);
            }
            var answered = Stopwatch.GetTimestamp();
            var done = await bench.Engine.WaitForOperationAsync(operation, CancellationToken.None);
            if (done?.Status != OperationStatus.RolledBack)
            {
                throw new InvalidOperationException($"expected RolledBack, got {done?.Status}: {done?.Error}");
            }
            if (i > 0)
            {
                results.Add(Stopwatch.GetElapsedTime(verdict, answered));
            }
            await bench.RemoveAsync(deployment);
        }

        results.Sort();
        var median = results[results.Count / 2];
        Console.WriteLine($"failed health verdict → old version answering, 5 services, cached images, {runs} runs (+1 warm-up):");
        Console.WriteLine($"  median {median.TotalMilliseconds:F0} ms  min {results[0].TotalMilliseconds:F0} ms  max {results[^1].TotalMilliseconds:F0} ms" +
                          $"  [{string.Join(", ", results.Select(r => r.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)))}]");
        Console.WriteLine($"  target median < 3000 ms: {(median < TimeSpan.FromSeconds(3) ? "met" : "MISSED")}");
        return 0;
    }

    public static async Task<int> UpgradeLoadAsync(string[] args)
    {
        var rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        await using var bench = await Bench.OpenAsync("upgrade-load");
        Console.WriteLine($"recreate upgrade 1.0.0 → 1.1.0 of the demo web stack under {rate} req/s (loopback, bounded to 60 s per run):");
        for (var i = 0; i < runs; i++)
        {
            // Tidegate: deploy, then upgrade under load.
            var port = FreePort();
            var deployment = await bench.DeployAsync($"tgbench-{bench.Run}-tg{i}", DemoWeb(port, Web100, "1.0.0", bench.Run));
            var tidegate = await UnderLoadAsync(port, rate, async () =>
            {
                var started = (OperationStartResult.Started)await bench.Engine.UpgradeAsync(new UpgradeWorkRequest(deployment, "bench:bench:bench", "bench",
                    "1.1.0", new StackSource(DemoWeb(port, Web110, "1.1.0", bench.Run)), new Dictionary<string, string>(), "bench"), CancellationToken.None);
                var done = await bench.Engine.WaitForOperationAsync(started.OperationId, CancellationToken.None);
                if (done?.Status != OperationStatus.Succeeded)
                {
                    throw new InvalidOperationException($"upgrade {done?.Status}: {done?.Error}");
                }
            });
            await bench.RemoveAsync(deployment);

            // The seeds' method on the same stack: compose up, then edit the file and up --force-recreate.
            port = FreePort();
            var project = $"tgbench-{bench.Run}-dc{i}";
            var file = Path.Combine(bench.Directory, $"{project}.yml");
            await File.WriteAllTextAsync(file, DemoWeb(port, Web100, "1.0.0", bench.Run));
            await Bench.ExecAsync("docker-compose", $"-p {project} -f {file} up -d", bench.Directory);
            await WaitAnswerAsync(port, "1.0.0");
            await File.WriteAllTextAsync(file, DemoWeb(port, Web110, "1.1.0", bench.Run));
            var compose = await UnderLoadAsync(port, rate, async () =>
            {
                var up = await Bench.ExecAsync("docker-compose", $"-p {project} -f {file} up -d --force-recreate", bench.Directory);
                if (up.Code != 0)
                {
                    throw new InvalidOperationException("docker-compose failed: " + up.Output);
                }
            }, expectVersion: "1.1.0");
            await Bench.ExecAsync("docker-compose", $"-p {project} -f {file} down -v -t 1", bench.Directory);

            Console.WriteLine($"  run {i + 1}: tidegate recreate  {tidegate}");
            Console.WriteLine($"  run {i + 1}: docker-compose     {compose}");
        }
        return 0;
    }

    private sealed record LoadResult(int Sent, int Failed, TimeSpan LongestOutage, TimeSpan Duration, TimeSpan UntilNewVersion)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"sent {Sent,5}  failed {Failed,4}  longest outage {LongestOutage.TotalMilliseconds,6:F0} ms  upgrade took {Duration.TotalMilliseconds,6:F0} ms  new version after {UntilNewVersion.TotalMilliseconds,6:F0} ms");
    }

    /// <summary>Sends requests at a steady rate (each on its own task, 1 s timeout) while <paramref name="action"/> runs and
    /// until the new version answers (at most 60 s); counts failures and the longest run of failures.</summary>
    private static async Task<LoadResult> UnderLoadAsync(int port, int rate, Func<Task> action, string expectVersion = "1.1.0")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var results = new ConcurrentBag<(long At, bool Ok)>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var start = Stopwatch.GetTimestamp();
        long newVersionAt = 0;
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var load = Task.Run(async () =>
        {
            var pending = new List<Task>();
            var next = Stopwatch.GetTimestamp();
            while (!stop.IsCancellationRequested)
            {
                pending.Add(Task.Run(async () =>
                {
                    var at = Stopwatch.GetTimestamp();
                    var text = await AnswerAsync(http, port);
                    results.Add((at, text is not null));
                    if (text == expectVersion)
                    {
                        Interlocked.CompareExchange(ref newVersionAt, at, 0);
                    }
                }));
                next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
            }
            await Task.WhenAll(pending);
        });
        var watch = Stopwatch.StartNew();
        await action();
        var duration = watch.Elapsed;
        while (Interlocked.Read(ref newVersionAt) == 0 && !stop.IsCancellationRequested)
        {
            await Task.Delay(50);
        }
        await Task.Delay(500);
        await stop.CancelAsync();
        await load;

        var ordered = results.OrderBy(r => r.At).ToList();
        TimeSpan longest = TimeSpan.Zero;
        long? outageStart = null;
        foreach (var (at, ok) in ordered)
        {
            if (!ok)
            {
                outageStart ??= at;
                longest = TimeSpan.FromTicks(Math.Max(longest.Ticks, Stopwatch.GetElapsedTime(outageStart.Value, at).Ticks));
            }
            else
            {
                outageStart = null;
            }
        }
        var untilNew = newVersionAt == 0 ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(start, newVersionAt);
        return new LoadResult(ordered.Count, ordered.Count(r => !r.Ok), longest, duration, untilNew);
    }

    private static async Task<string?> AnswerAsync(HttpClient http, int port)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/version"));
            return response.IsSuccessStatusCode ? (await response.Content.ReadAsStringAsync()).Trim() : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task WaitAnswerAsync(int port, string version)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = Stopwatch.StartNew();
        while (await AnswerAsync(http, port) != version)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"127.0.0.1:{port} never answered {version}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Four backing services (each the web image with its 1 s healthcheck) and a web service that depends on them.</summary>
    private static string FiveServices(int port, string webImage, string version, bool fail)
    {
        var text = new StringBuilder("services:\n");
        for (var i = 1; i <= 4; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  s{i}:\n    image: {Web100}\n    environment:\n      VERSION: s{i}\n    stop_grace_period: 1s\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"  web:\n    image: {webImage}\n    environment:\n      VERSION: \"{version}\"\n");
        if (fail)
        {
            text.Append("      HEALTH_FAIL: \"1\"\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"    ports:\n      - \"127.0.0.1:{port}:8080\"\n    stop_grace_period: 1s\n    depends_on:\n");
        for (var i = 1; i <= 4; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"      s{i}:\n        condition: service_healthy\n");
        }
        return text.ToString();
    }

    /// <summary>The demo web stack (demo/catalog/demo-web) with a fixed port, a bench label and the image's 1 s healthcheck.</summary>
    private static string DemoWeb(int port, string image, string version, string run) => $$"""
        services:
          web:
            image: {{image}}
            environment:
              VERSION: "{{version}}"
              PORT: "8080"
            labels:
              tidegate.bench: "{{run}}"
            ports:
              - "127.0.0.1:{{port}}:8080"
            restart: unless-stopped
        """;

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A private store and engine whose resources carry the label tidegate.bench=&lt;run&gt; and are removed at the end.</summary>
    private sealed class Bench : IAsyncDisposable
    {
        private Bench(string run, string directory, TidegateStore store, string environmentId, DeploymentService engine, PhaseSink sink)
        {
            (Run, Directory, Store, EnvironmentId, Engine, Sink) = (run, directory, store, environmentId, engine, sink);
        }

        public string Run { get; }
        public string Directory { get; }
        public TidegateStore Store { get; }
        public string EnvironmentId { get; }
        public DeploymentService Engine { get; }
        public PhaseSink Sink { get; }

        public static async Task<Bench> OpenAsync(string kind)
        {
            var run = Guid.NewGuid().ToString("N")[..8];
            var directory = Path.Combine(Path.GetTempPath(), $"tidegate-{kind}-bench-{run}");
            System.IO.Directory.CreateDirectory(directory);
            var store = await TidegateStore.OpenAsync(new StoreOptions(Path.Combine(directory, "data")), SecretProtector.Load(directory, _ => null),
                TimeProvider.System, CancellationToken.None);
            var environment = await new EnvironmentService(store, new DockerEngineFactory(), TimeProvider.System).EnsureDefaultAsync(CancellationToken.None);
            var options = new EngineOptions
            {
                ExtraLabels = new Dictionary<string, string> { ["tidegate.bench"] = run },
                PollInterval = TimeSpan.FromMilliseconds(50),
                HealthTimeout = TimeSpan.FromSeconds(60),
            };
            var sink = new PhaseSink(new StoreProgressSink(store));
            return new Bench(run, directory, store, environment.Id, new DeploymentService(store, new DockerEngineFactory(), sink, options, TimeProvider.System), sink);
        }

        public async Task<string> DeployAsync(string name, string stack)
        {
            var started = await Engine.DeployAsync(new DeployRequest(EnvironmentId, name, "bench:bench:bench", "bench", "1.0.0", new StackSource(stack), [], "bench"),
                CancellationToken.None) as OperationStartResult.Started ?? throw new InvalidOperationException("deploy was not started");
            var done = await Engine.WaitForOperationAsync(started.OperationId, CancellationToken.None);
            return done?.Status == OperationStatus.Succeeded ? started.DeploymentId : throw new InvalidOperationException($"deploy {done?.Status}: {done?.Error}");
        }

        public async Task RemoveAsync(string deploymentId)
        {
            var removed = (OperationStartResult.Started)await Engine.RemoveAsync(deploymentId, removeVolumes: true, new OperationRequest("bench"), CancellationToken.None);
            await Engine.WaitForOperationAsync(removed.OperationId, CancellationToken.None);
        }

        public static Task<(int Code, string Output)> ExecAsync(string command, string arguments, string directory) =>
            DeployBench.Exec(command, arguments, directory);

        public async ValueTask DisposeAsync()
        {
            await Engine.DisposeAsync();
            await ExecAsync("sh", $"-c \"docker rm -f $(docker ps -aq --filter label=tidegate.bench={Run}) 2>/dev/null; docker network rm $(docker network ls -q --filter label=tidegate.bench={Run}) 2>/dev/null; true\"", Directory);
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>Stores progress as usual and timestamps the first event of each (operation, phase).</summary>
    private sealed class PhaseSink(IOperationProgressSink inner) : IOperationProgressSink
    {
        private readonly ConcurrentDictionary<(string, string), long> _seen = new();

        public void Clear() => _seen.Clear();

        public Task PublishAsync(OperationProgress progress, CancellationToken ct)
        {
            _seen.TryAdd((progress.OperationId, progress.Phase), Stopwatch.GetTimestamp());
            return inner.PublishAsync(progress, ct);
        }

        public async Task<long> WaitForAsync(string operationId, string phase, TimeSpan timeout)
        {
            var watch = Stopwatch.StartNew();
            while (!_seen.TryGetValue((operationId, phase), out var at))
            {
                if (watch.Elapsed > timeout)
                {
                    throw new TimeoutException($"operation {operationId} never reached phase {phase}");
                }
                await Task.Delay(2);
            }
            return _seen[(operationId, phase)];
        }
    }
}
