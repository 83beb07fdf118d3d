using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Variables;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Core.Strategies;

namespace Tidegate.Core.Tests.Strategies;

/// <summary>Runs one strategy executor as an operation (without DeploymentService's lock, which the lead's flow
/// adds). Shared by the strategy tests and bench/Tidegate.Bench (linked source).</summary>
internal sealed class RolloutDriver(TidegateStore store, DeploymentEnvironment environment, EngineOptions options, RolloutStrategies strategies)
{
    public async Task<(OperationRecord Operation, DeploymentRecord Deployment)> RunAsync(
        string name, string stackText, string version, RolloutStrategyKind kind, CancellationToken ct, Action<OperationRecord>? started = null)
    {
        var stack = StackResolver.Resolve(StackLoader.LoadText(stackText, "compose.yaml", ct), VariableValues.None, ct);
        if (stack.HasErrors)
        {
            throw new InvalidOperationException(string.Join("\n", stack.Diagnostics));
        }

        var deployment = await store.Deployments.GetByNameAsync(environment.Id, name, ct);
        if (deployment is null)
        {
            var created = await store.Deployments.CreateAsync(new NewDeployment(environment.Id, name, "test:web:web", "web", version), [], ct);
            deployment = ((SaveResult<DeploymentRecord>.Saved)created).Value;
        }

        var operation = await store.Operations.CreateAsync(new NewOperation(deployment.Id, deployment.Name,
            deployment.CurrentRevision is null ? OperationKind.Deploy : OperationKind.Upgrade, "tester"), ct);
        operation = await store.Operations.TransitionAsync(operation.Id, OperationStatus.Running, null, ct) ?? operation;
        started?.Invoke(operation);
        using var docker = new DockerEngineFactory().Open(environment);
        using var journal = new OperationJournal(store, new StoreProgressSink(store), operation, options, CancellationToken.None);
        var definition = OperationJournal.Serialize(new StoredDefinition("compose.yaml", stackText, stack.Render()))!;
        var work = new DeployWork(deployment, stack, "test:web:web", version, definition, [], "tester", "test", ForcePull: false);
        var executor = strategies.Create(kind, store, docker, options) ?? throw new InvalidOperationException($"{kind} has no edge executor");
        OperationStatus status;
        string? error;
        try
        {
            (status, error) = await executor.RunAsync(journal, work);
        }
        catch (Exception ex)
        {
            (status, error) = (OperationStatus.Failed, ex.ToString());
        }

        var final = await store.Operations.TransitionAsync(operation.Id, status, error, CancellationToken.None) ?? operation;
        return (final, (await store.Deployments.GetAsync(deployment.Id, ct))!);
    }
}

/// <summary>A bounded HTTP load against 127.0.0.1: a fixed request rate, a maximum count and a maximum duration; it stops
/// by itself at either limit or when <see cref="StopAsync"/> is called. Records failures, latencies and answers.</summary>
internal sealed class HttpLoad : IAsyncDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30), MaxConnectionsPerServer = 64, UseCookies = false })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    private readonly CancellationTokenSource _stop = new();
    private readonly List<double> _latencies = [];
    private readonly Dictionary<string, int> _answers = new(StringComparer.Ordinal);
    private readonly List<string> _failures = [];
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = new();
    private Task? _loop;

    public HttpLoad(int port, int requestsPerSecond = 100, int maxRequests = 20_000, TimeSpan? maxDuration = null)
    {
        if (port <= 0 || requestsPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(port));
        }

        Url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        Rate = requestsPerSecond;
        MaxRequests = maxRequests;
        MaxDuration = maxDuration ?? TimeSpan.FromSeconds(120);
    }

    public Uri Url { get; }

    public int Rate { get; }

    public int MaxRequests { get; }

    public TimeSpan MaxDuration { get; }

    public int Sent { get; private set; }

    public int Completed { get { lock (_lock) { return _latencies.Count; } } }

    public IReadOnlyList<string> Failures { get { lock (_lock) { return [.. _failures]; } } }

    public IReadOnlyDictionary<string, int> Answers { get { lock (_lock) { return new Dictionary<string, int>(_answers, StringComparer.Ordinal); } } }

    public void Start()
    {
        _clock.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Stops sending and waits for the requests in flight.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
    }

    public (double P99Ms, double MaxMs) Latency()
    {
        lock (_lock)
        {
            if (_latencies.Count == 0)
            {
                return (0, 0);
            }

            var sorted = _latencies.Order().ToList();
            return (sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * 0.99) - 1)], sorted[^1]);
        }
    }

    /// <summary>How many answers came from <paramref name="version"/> since the load started.</summary>
    public int AnswersFrom(string version)
    {
        lock (_lock)
        {
            return _answers.GetValueOrDefault(version);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _client.Dispose();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var inFlight = new List<Task>();
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1.0 / Rate);
        while (!_stop.IsCancellationRequested && Sent < MaxRequests && clock.Elapsed < MaxDuration)
        {
            var due = interval * Sent;
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            Sent++;
            inFlight.Add(OneAsync());
            if (inFlight.Count > 256)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
            }
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>When a request started, in seconds since the load started (failures carry it).</summary>
    private string At(long started) =>
        string.Create(CultureInfo.InvariantCulture, $"[{(_clock.Elapsed - Stopwatch.GetElapsedTime(started)).TotalSeconds:0.00}s]");

    private async Task OneAsync()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _client.GetAsync(Url, CancellationToken.None);
            var body = (await response.Content.ReadAsStringAsync(CancellationToken.None)).Trim();
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            lock (_lock)
            {
                _latencies.Add(ms);
                if (!response.IsSuccessStatusCode)
                {
                    _failures.Add($"{At(started)} {(int)response.StatusCode} {body}");
                }
                else
                {
                    _answers[body] = _answers.GetValueOrDefault(body) + 1;
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            lock (_lock)
            {
                _latencies.Add(ms);
                _failures.Add($"{At(started)} {ex.GetType().Name}: {ex.Message}");
            }
        }
    }
}
