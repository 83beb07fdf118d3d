using System.Collections.Concurrent;
using Tidegate.Core.Edge;

namespace Tidegate.Core.Strategies;

/// <summary>One side of a rollout as the API shows it.</summary>
internal sealed record RolloutSide(string? Version, int? Revision, int Weight);

/// <summary>GET /api/deployments/{id}/rollout (api-contracts "Rollout strategies and edge").</summary>
internal sealed record RolloutView(
    string Strategy, string Phase, RolloutSide Stable, RolloutSide Candidate, IReadOnlyList<int> Steps, int CurrentStep,
    IReadOnlyList<RolloutCounterView> Counters, string OperationId, bool WaitingForPromote);

internal sealed record RolloutCounterView(string? Version, int Revision, long Requests, long Errors, double ErrorRate, long? P99Ms, long AvgMs, long MaxMs);

/// <summary>A rollout in progress: what the API reads and where promote/abort requests arrive.</summary>
internal sealed class RolloutRun(string deploymentId, string operationId, RolloutStrategyKind kind, IReadOnlyList<int> steps, IReadOnlyList<EdgeEntry> entries)
    : IDisposable
{
    private readonly SemaphoreSlim _promote = new(0, int.MaxValue);
    private readonly CancellationTokenSource _abort = new();

    public string DeploymentId => deploymentId;

    public string OperationId => operationId;

    public RolloutStrategyKind Kind => kind;

    public IReadOnlyList<int> Steps => steps;

    public IReadOnlyList<EdgeEntry> Entries => entries;

    public string Phase { get; set; } = "starting";

    public RolloutSide Stable { get; set; } = new(null, null, 100);

    public RolloutSide Candidate { get; set; } = new(null, null, 0);

    public int CurrentStep { get; set; } = -1;

    public bool WaitingForPromote { get; set; }

    public string? AbortReason { get; private set; }

    /// <summary>Cancelled when someone asks to abort; the executor sends traffic back to stable.</summary>
    public CancellationToken Aborted => _abort.Token;

    public void Promote() => _promote.Release();

    public void Abort(string reason)
    {
        AbortReason ??= reason;
        _abort.Cancel();
    }

    /// <summary>Consumes one promote request if there is one.</summary>
    public bool TakePromote() => _promote.Wait(0);

    /// <summary>Waits for a promote (true), or until <paramref name="timeout"/> passes (false); aborts throw.</summary>
    public async Task<bool> WaitPromoteAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _abort.Token);
        return await _promote.WaitAsync(timeout, linked.Token);
    }

    public void Dispose()
    {
        _promote.Dispose();
        _abort.Dispose();
    }
}

/// <summary>The old color of a finished blue-green rollout, kept in maintenance at the edge until <see cref="RemoveAt"/>
/// so switching back is a traffic switch.</summary>
internal sealed record ParkedColor(
    string DeploymentId, string Project, int Revision, string Version, string StackId, IReadOnlyList<string> ContainerIds,
    IReadOnlyList<EdgeEntry> Entries, DateTimeOffset RemoveAt);

/// <summary>Process-wide registry of running rollouts and parked colors (one per deployment each). Parked colors are also
/// written to <c>parked.json</c> in the edge directory (when a path is given), so a restarted server still knows them: the
/// rollback inside the keep window stays a traffic switch and the sweep still removes them when the window ends.</summary>
internal sealed class RolloutRegistry
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly ConcurrentDictionary<string, RolloutRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ParkedColor> _parked = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly Lock _save = new();

    public RolloutRegistry(string? parkedPath = null)
    {
        _path = parkedPath;
        if (_path is not null && File.Exists(_path))
        {
            try
            {
                foreach (var p in System.Text.Json.JsonSerializer.Deserialize<List<ParkedColor>>(File.ReadAllText(_path), Json) ?? [])
                {
                    _parked[p.DeploymentId] = p;
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // A damaged cache must not stop the server: it is kept aside for inspection and the list starts empty (a
                // parked color then leaves at the next rollout, and a rollback redeploys instead of switching).
                File.Move(_path, _path + ".damaged-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture), overwrite: true);
                _parked.Clear();
            }
        }
    }

    /// <summary>Raised when parked.json could not be written (the registry in memory is still right).</summary>
    public event Action<Exception>? SaveFailed;

    public RolloutRun? Get(string deploymentId) => _runs.TryGetValue(deploymentId, out var run) ? run : null;

    public void Add(RolloutRun run) => _runs[run.DeploymentId] = run;

    public void Remove(RolloutRun run) => _runs.TryRemove(new KeyValuePair<string, RolloutRun>(run.DeploymentId, run));

    public ParkedColor? Parked(string deploymentId) => _parked.TryGetValue(deploymentId, out var p) ? p : null;

    public void Park(ParkedColor parked)
    {
        ArgumentNullException.ThrowIfNull(parked);
        _parked[parked.DeploymentId] = parked;
        Save();
    }

    public ParkedColor? Unpark(string deploymentId)
    {
        if (!_parked.TryRemove(deploymentId, out var p))
        {
            return null;
        }

        Save();
        return p;
    }

    public IReadOnlyList<ParkedColor> Expired(DateTimeOffset now) => _parked.Values.Where(p => p.RemoveAt <= now).ToList();

    private void Save()
    {
        if (_path is null)
        {
            return;
        }

        lock (_save)
        {
            try
            {
                // Written aside (0600, like every file of the edge directory), flushed and moved over the old file: a crash
                // leaves the old list or the new one.
                Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                var temporary = EdgeFiles.TempBeside(_path);
                try
                {
                    using (var stream = new FileStream(temporary, EdgeFiles.CreateOptions()))
                    {
                        stream.Write(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(_parked.Values.OrderBy(p => p.DeploymentId, StringComparer.Ordinal).ToList(), Json));
                        stream.Flush(flushToDisk: true);
                    }

                    File.Move(temporary, _path, overwrite: true);
                }
                finally
                {
                    File.Delete(temporary);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Best effort: traffic has already moved; only a switch back after a restart is lost.
                SaveFailed?.Invoke(ex);
            }
        }
    }
}
