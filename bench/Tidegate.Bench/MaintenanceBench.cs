using System.Diagnostics;
using System.Globalization;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Observers;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Docker;

namespace Tidegate.Bench;

/// <summary>Time from an external flag-file change to the app container stopped, through the real path: a file observer
/// polling at the interval, the mode change as an operation under the lock, the container stopped by the engine (the
/// keep-running db stays up). Target: under pollingInterval + 2 s. Usage: Tidegate.Bench maintenance [iterations=5] [interval=1s]</summary>
internal static class MaintenanceBench
{
    private const string Image = "tidegate-test/web:1.0.0";

    public static async Task<int> RunAsync(string[] args)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var interval = args.Length > 1 ? ObserverDurations.Parse(args[1]) ?? throw new ArgumentException("interval: e.g. 1s") : TimeSpan.FromSeconds(1);
        var run = Guid.NewGuid().ToString("N")[..8];
        var directory = Path.Combine(Path.GetTempPath(), $"tidegate-maint-bench-{run}");
        Directory.CreateDirectory(directory);
        var flag = Path.Combine(directory, "maintenance.flag");
        var ct = CancellationToken.None;
        var store = await TidegateStore.OpenAsync(new StoreOptions(Path.Combine(directory, "data")), SecretProtector.Load(directory, _ => null), TimeProvider.System, ct);
        var environment = await new EnvironmentService(store, new DockerEngineFactory(), TimeProvider.System).EnsureDefaultAsync(ct);
        var options = new EngineOptions
        {
            ExtraLabels = new Dictionary<string, string> { ["tidegate.bench"] = run }, PollInterval = TimeSpan.FromMilliseconds(50),
        };
        await using var engine = new DeploymentService(store, new DockerEngineFactory(), new StoreProgressSink(store), options, TimeProvider.System);
        using var docker = new DockerClient();
        using var http = new HttpClient();
        var name = $"tgbench-{run}";
        var samples = new List<TimeSpan>();
        using var stop = new CancellationTokenSource();
        Task observing = Task.CompletedTask;
        try
        {
            var deploy = await engine.DeployAsync(new DeployRequest(environment.Id, name, "bench:maint:shop", "maint", "1.0.0", new StackSource(Stack()), [], "bench"), ct)
                as OperationStartResult.Started ?? throw new InvalidOperationException("deploy was not started");
            var deployed = await engine.WaitForOperationAsync(deploy.OperationId, ct);
            if (deployed?.Status != OperationStatus.Succeeded)
            {
                throw new InvalidOperationException($"deploy {deployed?.Status}: {deployed?.Error}");
            }

            var settings = new ObserverSettings
            {
                Type = ObserverType.File, Path = flag, MaintenanceValue = "exists", NormalValue = "missing", PollingInterval = interval,
            };
            var observer = new MaintenanceObserver(deploy.DeploymentId, new ObserverDefinition(settings, "bench"), engine, store, new ObserverProbes(http,
                new ObserverPolicy { FileRoots = [Path.GetDirectoryName(flag)!] }),
                TimeProvider.System);
            observing = observer.RunAsync(stop.Token);
            for (var i = 0; i <= iterations; i++)
            {
                // Changes land at a random point of the polling cycle, as external ones do.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next((int)interval.TotalMilliseconds)), ct);
                var watch = Stopwatch.StartNew();
                await File.WriteAllTextAsync(flag, "", ct);
                await UntilAsync(async () => (await docker.ContainerInspectAsync($"{name}-app-1", ct)).State?.Status == "exited");
                var elapsed = watch.Elapsed;
                if ((await docker.ContainerInspectAsync($"{name}-db-1", ct)).State?.Status != "running")
                {
                    throw new InvalidOperationException("the keep-running db was stopped");
                }

                if (i > 0)
                {
                    samples.Add(elapsed);
                }

                await UntilAsync(async () => await store.Locks.GetAsync(deploy.DeploymentId, ct) is null);
                File.Delete(flag);
                await UntilAsync(async () => (await store.Deployments.GetAsync(deploy.DeploymentId, ct))!.Mode == OperationMode.Normal
                                             && await store.Locks.GetAsync(deploy.DeploymentId, ct) is null);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await observing;
            if (await store.Deployments.GetByNameAsync(environment.Id, name, ct) is { } deployment)
            {
                await UntilAsync(async () => await store.Locks.GetAsync(deployment.Id, ct) is null);
                if (await engine.RemoveAsync(deployment.Id, removeVolumes: true, new OperationRequest("bench"), ct) is OperationStartResult.Started removed)
                {
                    await engine.WaitForOperationAsync(removed.OperationId, ct);
                }
            }

            Directory.Delete(directory, recursive: true);
        }

        samples.Sort();
        var target = interval + TimeSpan.FromSeconds(2);
        Console.WriteLine($"flag file → app container stopped, pollingInterval {ObserverDurations.Format(interval)}, {iterations} iterations:");
        Console.WriteLine($"  median {samples[samples.Count / 2].TotalMilliseconds:F0} ms, max {samples[^1].TotalMilliseconds:F0} ms  " +
                          $"[{string.Join(", ", samples.Select(s => s.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)))}]");
        Console.WriteLine($"  target < {target.TotalMilliseconds:F0} ms: {(samples[^1] < target ? "met" : "MISSED")} (max)");
        return 0;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var limit = Stopwatch.StartNew();
        while (!await condition())
        {
            if (limit.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("the benchmark waited 60 s for a condition");
            }

            await Task.Delay(10);
        }
    }

    private static string Stack() => $$"""
        services:
          db:
            image: {{Image}}
            environment:
              VERSION: db
            labels:
              tidegate.maintenance: ignore
            healthcheck:
              disable: true
          app:
            image: {{Image}}
            depends_on:
              - db
            healthcheck:
              disable: true
            stop_grace_period: 10s
        """;
}
