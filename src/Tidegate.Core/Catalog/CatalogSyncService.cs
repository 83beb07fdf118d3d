namespace Tidegate.Core.Catalog;

/// <summary>Keeps the catalog fresh: syncs every source once at start, then each source again when its
/// interval has passed since its last attempt (successful or not). Sources with interval zero are
/// synced at start and afterwards only on demand.</summary>
internal sealed class CatalogSyncService(StackCatalog catalog, CatalogOptions options, TimeProvider timeProvider)
{
    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        // Created before the first sync so a tick during that sync is not lost.
        using var timer = new PeriodicTimer(options.SyncCheckPeriod, timeProvider);
        try
        {
            await SyncDueAsync(cancellationToken);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await SyncDueAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    /// <summary>Syncs the sources that are due now, in parallel; returns their results.</summary>
    public async Task<IReadOnlyList<SourceSyncResult>> SyncDueAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var due = catalog.ListSources().Where(s => IsDue(s, now)).Select(s => s.Id).ToList();
        var results = await Task.WhenAll(due.Select(async id =>
        {
            try
            {
                return await catalog.SyncAsync(id, cancellationToken);
            }
            catch (UnknownCatalogSourceException)
            {
                return null; // removed meanwhile
            }
        }));
        return [.. results.OfType<SourceSyncResult>()];
    }

    private static bool IsDue(CatalogSourceStatus source, DateTimeOffset now)
        => source.LastSyncAttemptAt is not { } last
           || (source.Definition.SyncInterval > TimeSpan.Zero && now - last >= source.Definition.SyncInterval);
}
