using System.Collections.Concurrent;
using NuGet.Versioning;
using Tidegate.Core.Definitions;

namespace Tidegate.Core.Catalog;

/// <summary>The catalog: the registry of sources, the content of their last good sync and the queries
/// over it. Reads never block and see each source either entirely before or entirely after a sync;
/// syncs of one source run one at a time.</summary>
internal sealed class StackCatalog
{
    private readonly ConcurrentDictionary<string, SourceState> _sources = new(StringComparer.Ordinal);
    private readonly CatalogOptions _options;
    private readonly TimeProvider _time;
    private readonly DirectorySourceScanner _scanner;
    private readonly GitSourceFetcher _git;

    public StackCatalog(IStackReader reader, CatalogOptions options, TimeProvider timeProvider)
    {
        options.ThrowIfInvalid();
        _options = options;
        _time = timeProvider;
        _scanner = new DirectorySourceScanner(reader);
        _git = new GitSourceFetcher(
            string.IsNullOrWhiteSpace(options.CacheDirectory) ? DefaultCacheDirectory() : options.CacheDirectory,
            new GitCommandRunner(options.GitExecutable, options.GitTimeout));
        foreach (var definition in options.ToDefinitions())
        {
            _sources[definition.Id] = new SourceState(definition);
        }
    }

    // Per user: a shared name in /tmp could be pre-created by someone else (the fetcher refuses such a directory).
    private static string DefaultCacheDirectory() => Path.Combine(Path.GetTempPath(), $"tidegate-catalog-{Environment.UserName}");

    /// <summary>Raised after every sync attempt, successful or not (for live views and logs).</summary>
    public event EventHandler<SourceSyncedEventArgs>? SourceSynced;

    public CatalogSourceDefinition AddSource(CatalogSourceOptions source)
    {
        var definition = source.ToDefinition(_options.DefaultSyncInterval);
        if (!_sources.TryAdd(definition.Id, new SourceState(definition)))
        {
            throw new CatalogConfigurationException([$"A source with id '{definition.Id}' already exists."]);
        }
        return definition;
    }

    /// <summary>Removes the source and its content; its stacks disappear from the catalog at once.</summary>
    public bool RemoveSource(string sourceId) => _sources.TryRemove(sourceId, out _);

    public IReadOnlyList<CatalogSourceStatus> ListSources()
        => [.. _sources.Values.Select(s => s.Status).OrderBy(s => s.Id, StringComparer.Ordinal)];

    public CatalogSourceStatus? FindSource(string sourceId)
        => _sources.TryGetValue(sourceId, out var state) ? state.Status : null;

    public IReadOnlyList<CatalogProduct> ListProducts()
        => [.. Contents().SelectMany(c => c.Products).OrderBy(p => p.Key, StringComparer.Ordinal)];

    /// <summary>Finds a product by <c>source:product</c>.</summary>
    public CatalogProduct? FindProduct(string productKey)
    {
        var parts = productKey.Split(':');
        return parts.Length == 2 && Content(parts[0]) is { } content
            ? content.Products.FirstOrDefault(p => p.Id == parts[1])
            : null;
    }

    public IReadOnlyList<CatalogStack> ListStacks()
        => [.. Contents().SelectMany(c => c.Stacks).OrderBy(s => s.Id.ToString(), StringComparer.Ordinal)];

    public CatalogStack? FindStack(string stackId)
        => StackId.TryParse(stackId, out var id) ? FindStack(id) : null;

    public CatalogStack? FindStack(StackId id)
        => Content(id.Source)?.Products.FirstOrDefault(p => p.Id == id.Product)?.Stacks.FirstOrDefault(s => s.Id == id);

    /// <summary>Versions of a stack, newest first (broken ones included and flagged).</summary>
    public IReadOnlyList<StackVersion> ListVersions(string stackId) => FindStack(stackId)?.Versions ?? [];

    public StackVersion? FindVersion(string stackId, string version)
        => CatalogVersions.TryParse(version, out var wanted)
            ? FindStack(stackId)?.Versions.FirstOrDefault(v => v.Version is not null && CatalogVersions.Precedence.Compare(v.Version, wanted) == 0 && !v.IsBroken)
            : null;

    /// <summary>The newest usable version of a stack (<c>source:product:stack</c>) or of any stack of a
    /// product (<c>source:product</c>). Pre-releases count only when <paramref name="includePrerelease"/>
    /// is set, which is what a deployment already running a pre-release asks for.</summary>
    public StackVersion? GetLatest(string productOrStackId, bool includePrerelease)
    {
        IEnumerable<CatalogStack> stacks = productOrStackId.Count(c => c == ':') switch
        {
            1 => FindProduct(productOrStackId)?.Stacks ?? [],
            2 => FindStack(productOrStackId) is { } stack ? [stack] : [],
            _ => [],
        };
        return stacks
            .Select(s => s.Latest(includePrerelease))
            .OfType<StackVersion>()
            .OrderByDescending(v => v.Version!, CatalogVersions.Precedence)
            .ThenBy(v => v.StackId.ToString(), StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>Usable versions of the stack newer than <paramref name="currentVersion"/>, newest first.
    /// When <paramref name="includePrerelease"/> is null, the channel follows the current version: a
    /// deployment on a pre-release is offered pre-releases, one on a release only releases.</summary>
    public NewerVersions GetNewerVersions(string stackId, string currentVersion, bool? includePrerelease = null)
    {
        if (!CatalogVersions.TryParse(currentVersion, out var current))
        {
            return new NewerVersions(NewerVersionsStatus.InvalidCurrentVersion, stackId, currentVersion, []);
        }
        if (FindStack(stackId) is not { } stack)
        {
            return new NewerVersions(NewerVersionsStatus.StackNotFound, stackId, currentVersion, []);
        }
        var prerelease = includePrerelease ?? current.IsPrerelease;
        List<StackVersion> newer = [.. stack.Versions.Where(v =>
            !v.IsBroken && (prerelease || !v.IsPrerelease) && CatalogVersions.Precedence.Compare(v.Version, current) > 0)];
        return new NewerVersions(newer.Count > 0 ? NewerVersionsStatus.UpgradeAvailable : NewerVersionsStatus.UpToDate, stackId, currentVersion, newer);
    }

    public async Task<IReadOnlyList<SourceSyncResult>> SyncAllAsync(CancellationToken cancellationToken)
        => await Task.WhenAll(_sources.Keys.Order(StringComparer.Ordinal).Select(id => SyncAsync(id, cancellationToken)));

    /// <summary>Re-reads one source. Waits while another sync of the same source runs. On failure the
    /// previous content stays and the error is recorded with its time; cancellation is not an error.</summary>
    public async Task<SourceSyncResult> SyncAsync(string sourceId, CancellationToken cancellationToken)
    {
        if (!_sources.TryGetValue(sourceId, out var state))
        {
            throw new UnknownCatalogSourceException(sourceId);
        }
        SourceSyncResult result;
        await state.Gate.WaitAsync(cancellationToken);
        try
        {
            var startedAt = _time.GetUtcNow();
            var before = state.Snapshot;
            try
            {
                var content = await LoadAsync(state.Definition, startedAt, cancellationToken);
                state.Swap(content, startedAt);
                if (state.Definition.Kind is CatalogSourceKind.Git && content.Revision is not null)
                {
                    _git.Prune(state.Definition, [content.Revision, before.Content?.Revision ?? content.Revision]);
                }
                var status = state.Status;
                result = new SourceSyncResult(sourceId, true, null, status.VersionCount, status.BrokenCount);
            }
            // Whatever goes wrong becomes the source's error: the last good content must stay served and the
            // periodic loop must keep running for the other sources.
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var message = ex switch
                {
                    CatalogSyncException => ex.Message,
                    IOException or UnauthorizedAccessException or InvalidDataException => $"Reading the source failed: {ex.Message}",
                    _ => $"The sync failed unexpectedly ({ex.GetType().Name}): {ex.Message}",
                };
                var error = new SyncError(GitSourceFetcher.Redact(state.Definition, message), _time.GetUtcNow());
                state.Fail(error, startedAt);
                var kept = state.Status;
                result = new SourceSyncResult(sourceId, false, error, kept.VersionCount, kept.BrokenCount);
            }
        }
        finally
        {
            state.Gate.Release();
        }
        SourceSynced?.Invoke(this, new SourceSyncedEventArgs(result));
        return result;
    }

    private async Task<SourceContent> LoadAsync(CatalogSourceDefinition source, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        string root;
        string? revision = null;
        string sourceRoot;
        if (source.Kind is CatalogSourceKind.Git)
        {
            var checkout = await _git.FetchAsync(source, cancellationToken);
            root = checkout.Directory;
            revision = checkout.Commit;
        }
        else
        {
            root = source.Location;
        }
        sourceRoot = Path.GetFullPath(root);
        if (source.SubPath is { } subPath)
        {
            root = Path.Combine(root, subPath);
            if (!Directory.Exists(root))
            {
                throw new CatalogSyncException($"The sub-path '{subPath}' does not exist in source '{source.Id}'.");
            }
        }
        // Reading files is synchronous (the reader contract); keep it off the caller's thread.
        var products = await Task.Run(() => _scanner.Scan(source.Id, root, sourceRoot, cancellationToken), cancellationToken);
        return new SourceContent(source.Id, root, revision, startedAt, products);
    }

    private IEnumerable<SourceContent> Contents()
        => _sources.Values.Select(s => s.Snapshot.Content).OfType<SourceContent>();

    private SourceContent? Content(string sourceId)
        => _sources.TryGetValue(sourceId, out var state) ? state.Snapshot.Content : null;

    private sealed class SourceState(CatalogSourceDefinition definition)
    {
        private volatile SourceSnapshot _snapshot = new(null, null, null, null);

        public CatalogSourceDefinition Definition { get; } = definition;
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public SourceSnapshot Snapshot => _snapshot;

        public CatalogSourceStatus Status
        {
            get
            {
                var snapshot = _snapshot;
                var entries = snapshot.Content?.Entries.ToList() ?? [];
                return new CatalogSourceStatus(Definition, snapshot.LastAttemptAt, snapshot.LastSyncedAt, snapshot.LastError,
                    snapshot.Content?.Revision, snapshot.Content?.Products.Count ?? 0, entries.Count, entries.Count(e => e.IsBroken));
            }
        }

        // Content and status change together in one reference write, so readers never see a mix.
        public void Swap(SourceContent content, DateTimeOffset attemptAt)
            => _snapshot = new SourceSnapshot(content, attemptAt, content.SyncedAt, null);

        public void Fail(SyncError error, DateTimeOffset attemptAt)
            => _snapshot = _snapshot with { LastAttemptAt = attemptAt, LastError = error };
    }
}

internal sealed record SourceSnapshot(SourceContent? Content, DateTimeOffset? LastAttemptAt, DateTimeOffset? LastSyncedAt, SyncError? LastError);
