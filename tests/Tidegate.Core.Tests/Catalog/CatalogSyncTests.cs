using Tidegate.Core.Catalog;
using Tidegate.Core.Definitions;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Catalog;

public sealed class CatalogSyncTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task FailedSync_KeepsLastGoodContent_AndRecordsTheErrorWithItsTime()
    {
        var source = _root.Combine("src");
        _root.Write("src/shop/1.0.0/compose.yml", Stacks.Compose());
        var time = new FakeTimeProvider();
        var catalog = Stacks.Catalog(source, time);
        var first = await catalog.SyncAsync("local", CancellationToken.None);
        Assert.True(first.Succeeded);
        var syncedAt = time.GetUtcNow();

        Directory.Move(source, _root.Combine("moved"));
        time.Advance(TimeSpan.FromMinutes(3));
        var second = await catalog.SyncAsync("local", CancellationToken.None);

        Assert.False(second.Succeeded);
        var status = catalog.FindSource("local")!;
        Assert.NotNull(status.LastError);
        Assert.Contains("does not exist", status.LastError.Message, StringComparison.Ordinal);
        Assert.Equal(time.GetUtcNow(), status.LastError.At);
        Assert.Equal(TimeSpan.Zero, status.LastError.At.Offset);
        Assert.Equal(syncedAt, status.LastSyncedAt);
        Assert.Equal(time.GetUtcNow(), status.LastSyncAttemptAt);
        Assert.Equal("1.0.0", catalog.GetLatest("local:shop:shop", includePrerelease: false)?.VersionText);
        Assert.Equal(1, second.VersionCount);

        Directory.Move(_root.Combine("moved"), source);
        _root.Write("src/shop/1.1.0/compose.yml", Stacks.Compose());
        var third = await catalog.SyncAsync("local", CancellationToken.None);

        Assert.True(third.Succeeded);
        Assert.Null(catalog.FindSource("local")!.LastError);
        Assert.Equal("1.1.0", catalog.GetLatest("local:shop:shop", includePrerelease: false)?.VersionText);
    }

    [Fact]
    public async Task FirstSyncThatFails_LeavesTheSourceEmptyWithAnError()
    {
        var catalog = Stacks.Catalog(_root.Combine("missing"));

        var result = await catalog.SyncAsync("local", CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Empty(catalog.ListProducts());
        Assert.Null(catalog.FindSource("local")!.LastSyncedAt);
    }

    [Fact]
    public async Task SyncOfAnUnknownSource_Throws()
    {
        var catalog = Stacks.Catalog(_root.Path);

        await Assert.ThrowsAsync<UnknownCatalogSourceException>(() => catalog.SyncAsync("nope", CancellationToken.None));
    }

    [Fact]
    public async Task ConcurrentSyncsOfOneSource_RunOneAtATime_AndReadersSeeWholeContent()
    {
        for (var i = 0; i < 5; i++)
        {
            _root.Write($"shop/1.0.{i}/compose.yml", Stacks.Compose());
        }
        var reader = new GatedReader(new StackLoader());
        var catalog = Stacks.Catalog(reader, new FakeTimeProvider(), new CatalogSourceOptions { Id = "local", Kind = "directory", Path = _root.Path });

        var syncs = Enumerable.Range(0, 4).Select(_ => Task.Run(() => catalog.SyncAsync("local", CancellationToken.None))).ToList();
        Assert.True(reader.FirstReadStarted.Wait(Patience));
        // While the first sync is held inside a read, nothing half-read is visible.
        Assert.Empty(catalog.ListStacks());
        reader.Release();
        var results = await Task.WhenAll(syncs).WaitAsync(Patience);

        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.Equal(1, reader.MaxConcurrentReads);
        Assert.Equal(4 * 5, reader.Reads);
        Assert.Equal(5, catalog.ListVersions("local:shop:shop").Count);
    }

    [Fact]
    public async Task SyncAll_SyncsEverySource()
    {
        _root.Write("a/shop/1.0.0/compose.yml", Stacks.Compose());
        _root.Write("b/tool/2.0.0/compose.yml", Stacks.Compose());
        var catalog = Stacks.Catalog(new StackLoader(), new FakeTimeProvider(),
            new CatalogSourceOptions { Id = "a", Kind = "directory", Path = _root.Combine("a") },
            new CatalogSourceOptions { Id = "b", Kind = "directory", Path = _root.Combine("b") });

        var results = await catalog.SyncAllAsync(CancellationToken.None);

        Assert.Equal(2, results.Count(r => r.Succeeded));
        Assert.Equal(["a:shop", "b:tool"], catalog.ListProducts().Select(p => p.Key));
    }

    [Fact]
    public async Task AddAndRemoveSource_ChangeTheRegistry()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        var catalog = Stacks.Catalog(new StackLoader(), new FakeTimeProvider());

        var added = catalog.AddSource(new CatalogSourceOptions { Id = "extra", Kind = "directory", Path = _root.Path });
        await catalog.SyncAsync("extra", CancellationToken.None);

        Assert.Equal(CatalogSourceKind.Directory, added.Kind);
        Assert.Equal(["extra"], catalog.ListSources().Select(s => s.Id));
        Assert.Throws<CatalogConfigurationException>(() => catalog.AddSource(new CatalogSourceOptions { Id = "extra", Kind = "directory", Path = _root.Path }));
        Assert.Throws<CatalogConfigurationException>(() => catalog.AddSource(new CatalogSourceOptions { Id = "bad", Kind = "ftp", Path = _root.Path }));
        Assert.True(catalog.RemoveSource("extra"));
        Assert.False(catalog.RemoveSource("extra"));
        Assert.Empty(catalog.ListStacks());
    }

    [Fact]
    public async Task PeriodicSync_SyncsAtStartAndAgainWhenTheIntervalHasPassed()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        var time = new FakeTimeProvider();
        var catalog = Stacks.Catalog(_root.Path, time, interval: TimeSpan.FromMinutes(5));
        var options = new CatalogOptions { SyncCheckPeriod = TimeSpan.FromMinutes(1) };
        var service = new CatalogSyncService(catalog, options, time);
        var synced = new SyncWatcher(catalog);
        using var stop = new CancellationTokenSource();

        var loop = service.ExecuteAsync(stop.Token);
        await synced.WaitForCount(1, Patience);
        Assert.Equal("1.0.0", catalog.GetLatest("local:shop", includePrerelease: false)?.VersionText);

        _root.Write("shop/1.1.0/compose.yml", Stacks.Compose());
        // Four checks pass without the source being due; at five minutes it is.
        for (var minute = 1; minute <= 5; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
        }
        await synced.WaitForCount(2, Patience);

        Assert.Equal("1.1.0", catalog.GetLatest("local:shop", includePrerelease: false)?.VersionText);
        Assert.Equal(time.GetUtcNow(), catalog.FindSource("local")!.LastSyncedAt);
        await stop.CancelAsync();
        await loop.WaitAsync(Patience);
        Assert.Equal(2, synced.Count);
    }

    [Fact]
    public async Task SyncDue_SkipsSourcesWhoseIntervalHasNotPassed_AndOnDemandSources()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        var time = new FakeTimeProvider();
        var catalog = Stacks.Catalog(new StackLoader(), time,
            new CatalogSourceOptions { Id = "often", Kind = "directory", Path = _root.Path, SyncInterval = TimeSpan.FromMinutes(5) },
            new CatalogSourceOptions { Id = "manual", Kind = "directory", Path = _root.Path, SyncInterval = TimeSpan.Zero });
        var service = new CatalogSyncService(catalog, new CatalogOptions(), time);

        Assert.Equal(["manual", "often"], (await service.SyncDueAsync(CancellationToken.None)).Select(r => r.SourceId).Order());
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Empty(await service.SyncDueAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(["often"], (await service.SyncDueAsync(CancellationToken.None)).Select(r => r.SourceId));
        time.Advance(TimeSpan.FromHours(10));
        Assert.Equal(["often"], (await service.SyncDueAsync(CancellationToken.None)).Select(r => r.SourceId));
    }

    [Fact]
    public async Task PeriodicSync_WhileOneSourceIsStuck_KeepsSyncingTheOthers_AndDoesNotStartTheStuckOneAgain()
    {
        _root.Write("slow/shop/1.0.0/compose.yml", Stacks.Compose());
        _root.Write("fast/tool/1.0.0/compose.yml", Stacks.Compose());
        var time = new FakeTimeProvider();
        var reader = new PathGatedReader(new StackLoader(), _root.Combine("slow"));
        var catalog = Stacks.Catalog(reader, time,
            new CatalogSourceOptions { Id = "slow", Kind = "directory", Path = _root.Combine("slow"), SyncInterval = TimeSpan.FromMinutes(1) },
            new CatalogSourceOptions { Id = "fast", Kind = "directory", Path = _root.Combine("fast"), SyncInterval = TimeSpan.FromMinutes(1) });
        var service = new CatalogSyncService(catalog, new CatalogOptions { SyncCheckPeriod = TimeSpan.FromMinutes(1) }, time);
        var fastSyncs = new SyncWatcher(catalog, "fast");
        using var stop = new CancellationTokenSource();

        var loop = service.ExecuteAsync(stop.Token);
        await fastSyncs.WaitForCount(1, Patience);
        Assert.True(reader.GatedReadStarted.Wait(Patience));
        for (var tick = 2; tick <= 4; tick++)
        {
            // An Advance can land while the previous fast sync is still recording its time, and then that tick
            // finds nothing due: keep moving the clock a minute per poll until the next fast sync has happened.
            var wanted = tick;
            await Wait.UntilAsync(_ =>
            {
                if (fastSyncs.Count < wanted)
                {
                    time.Advance(TimeSpan.FromMinutes(1));
                }
                return Task.FromResult(fastSyncs.Count);
            }, count => count >= wanted, $"fast source synced {wanted} times", Patience);
        }

        Assert.Equal(1, reader.GatedReads);
        reader.Release();
        await stop.CancelAsync();
        await loop.WaitAsync(Patience);
    }

    [Fact]
    public async Task FailingSource_IsRetriedAtItsInterval()
    {
        var time = new FakeTimeProvider();
        var catalog = Stacks.Catalog(_root.Combine("later"), time, interval: TimeSpan.FromMinutes(1));
        var service = new CatalogSyncService(catalog, new CatalogOptions(), time);

        var first = Assert.Single(await service.SyncDueAsync(CancellationToken.None));
        Assert.False(first.Succeeded);
        _root.Write("later/shop/1.0.0/compose.yml", Stacks.Compose());
        time.Advance(TimeSpan.FromMinutes(1));
        var second = Assert.Single(await service.SyncDueAsync(CancellationToken.None));

        Assert.True(second.Succeeded);
        Assert.Null(catalog.FindSource("local")!.LastError);
    }

    [Fact]
    public async Task CancelledSync_IsNotRecordedAsAnError_AndKeepsTheContent()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        _root.Write("shop/1.1.0/compose.yml", Stacks.Compose());
        using var cancel = new CancellationTokenSource();
        var reader = new CancellingReader(new StackLoader());
        var catalog = Stacks.Catalog(reader, new FakeTimeProvider(), new CatalogSourceOptions { Id = "local", Kind = "directory", Path = _root.Path });
        await catalog.SyncAsync("local", CancellationToken.None);

        reader.CancelOnRead = cancel;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => catalog.SyncAsync("local", cancel.Token));

        var status = catalog.FindSource("local")!;
        Assert.Null(status.LastError);
        Assert.Equal(2, status.VersionCount);
        // The gate was released: the next sync runs.
        Assert.True((await catalog.SyncAsync("local", CancellationToken.None).WaitAsync(Patience)).Succeeded);
    }

    private sealed class CancellingReader(IStackReader inner) : IStackReader
    {
        public CancellationTokenSource? CancelOnRead { get; set; }

        public StackReadResult Read(string file, string sourceRoot, CancellationToken cancellationToken)
        {
            CancelOnRead?.Cancel();
            return inner.Read(file, sourceRoot, cancellationToken);
        }
    }

    /// <summary>Holds the first read until released and records how many reads overlap.</summary>
    private sealed class GatedReader(IStackReader inner) : IStackReader
    {
        private readonly ManualResetEventSlim _gate = new(false);
        private int _active;
        private int _max;
        private int _reads;

        public ManualResetEventSlim FirstReadStarted { get; } = new(false);
        public int MaxConcurrentReads => Volatile.Read(ref _max);
        public int Reads => Volatile.Read(ref _reads);

        public void Release() => _gate.Set();

        public StackReadResult Read(string file, string sourceRoot, CancellationToken cancellationToken)
        {
            var active = Interlocked.Increment(ref _active);
            int seen;
            while ((seen = Volatile.Read(ref _max)) < active && Interlocked.CompareExchange(ref _max, active, seen) != seen)
            {
            }
            Interlocked.Increment(ref _reads);
            FirstReadStarted.Set();
            _gate.Wait(cancellationToken);
            try
            {
                return inner.Read(file, sourceRoot, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _active);
            }
        }
    }

    /// <summary>Holds reads of files under one directory until released.</summary>
    private sealed class PathGatedReader(IStackReader inner, string gatedDirectory) : IStackReader
    {
        private readonly ManualResetEventSlim _gate = new(false);
        private int _gatedReads;

        public ManualResetEventSlim GatedReadStarted { get; } = new(false);
        public int GatedReads => Volatile.Read(ref _gatedReads);

        public void Release() => _gate.Set();

        public StackReadResult Read(string file, string sourceRoot, CancellationToken cancellationToken)
        {
            if (Path.GetFullPath(file).StartsWith(gatedDirectory, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _gatedReads);
                GatedReadStarted.Set();
                _gate.Wait(cancellationToken);
            }
            return inner.Read(file, sourceRoot, cancellationToken);
        }
    }

    private sealed class SyncWatcher
    {
        private readonly Lock _lock = new();
        private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
        private int _count;

        public SyncWatcher(StackCatalog catalog, string? sourceId = null) => catalog.SourceSynced += (_, e) =>
        {
            if (sourceId is not null && e.Result.SourceId != sourceId)
            {
                return;
            }
            lock (_lock)
            {
                _count++;
                foreach (var waiter in _waiters.Where(w => w.Count <= _count))
                {
                    waiter.Done.TrySetResult();
                }
            }
        };

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _count;
                }
            }
        }

        public Task WaitForCount(int count, TimeSpan timeout)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                if (_count >= count)
                {
                    return Task.CompletedTask;
                }
                _waiters.Add((count, done));
            }
            return done.Task.WaitAsync(timeout);
        }
    }
}
