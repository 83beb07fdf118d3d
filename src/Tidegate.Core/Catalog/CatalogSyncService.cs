using System.Collections.Concurrent;

namespace Tidegate.Core.Catalog;

/// <summary>Keeps the catalog fresh: syncs every source once at start, then each source again when its
/// interval has passed since its last attempt (successful or not). Sources with interval zero are
/// synced at start and afterwards only on demand. Each sync runs on its own, so a slow source never
/// holds back the others; a source still syncing is not started again.</summary>
internal sealed class CatalogSyncService(StackCatalog catalog, CatalogOptions options, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, Task<SourceSyncResult?>> _inFlight = new(StringComparer.Ordinal);

    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        // Created before the first sync so a tick during that sync is not lost.
        using var timer = new PeriodicTimer(options.SyncCheckPeriod, timeProvider);
        try
        {
            StartDue(cancellationToken);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                StartDue(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            // Syncs see the same token; waiting keeps any of them from outliving the service.
            await Task.WhenAll(_inFlight.Values).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Starts the sources that are due now and not already syncing; returns their results.</summary>
    public async Task<IReadOnlyList<SourceSyncResult>> SyncDueAsync(CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(StartDue(cancellationToken));
        return [.. results.OfType<SourceSyncResult>()];
    }

    private List<Task<SourceSyncResult?>> StartDue(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var started = new List<Task<SourceSyncResult?>>();
        foreach (var id in catalog.ListSources().Where(s => IsDue(s, now)).Select(s => s.Id))
        {
            var completion = new TaskCompletionSource<SourceSyncResult?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inFlight.TryAdd(id, completion.Task))
            {
                _ = RunAsync(id, completion, cancellationToken);
                started.Add(completion.Task);
            }
        }
        return started;
    }

    private async Task RunAsync(string id, TaskCompletionSource<SourceSyncResult?> completion, CancellationToken cancellationToken)
    {
        try
        {
            // Task.Run: a directory scan is synchronous work that would otherwise run on the timer loop.
            var result = await Task.Run(() => catalog.SyncAsync(id, cancellationToken), CancellationToken.None);
            _inFlight.TryRemove(id, out _);
            completion.SetResult(result);
        }
        catch (UnknownCatalogSourceException)
        {
            _inFlight.TryRemove(id, out _);
            completion.SetResult(null); // removed meanwhile
        }
        catch (Exception ex)
        {
            _inFlight.TryRemove(id, out _);
            completion.SetException(ex);
        }
    }

    private static bool IsDue(CatalogSourceStatus source, DateTimeOffset now)
        => source.LastSyncAttemptAt is not { } last
           || (source.Definition.SyncInterval > TimeSpan.Zero && now - last >= source.Definition.SyncInterval);
}
