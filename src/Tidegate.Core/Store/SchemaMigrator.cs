namespace Tidegate.Core.Store;

/// <summary>The database was written by a newer Tidegate; running older code on it could lose data.</summary>
internal sealed class StoreSchemaTooNewException(string message) : Exception(message);

/// <summary>Brings a database to a target schema version. Safe to run at every start and from
/// several processes at once: each migration re-checks the version inside its own write transaction.</summary>
internal sealed class SchemaMigrator(StoreDatabase database, TimeProvider time, IReadOnlyList<Migration>? migrations = null)
{
    private readonly IReadOnlyList<Migration> _migrations = Validate(migrations ?? Migrations.All);

    public int LatestVersion => _migrations[^1].Version;

    public async Task<int> GetVersionAsync(CancellationToken ct)
    {
        await using var uow = await database.OpenAsync(ct);
        return await CurrentVersionAsync(uow, ct);
    }

    /// <summary>Applies every migration above the current version up to <paramref name="targetVersion"/>
    /// (default: the latest). Returns the version reached.</summary>
    public async Task<int> MigrateAsync(int? targetVersion, CancellationToken ct)
    {
        var target = targetVersion ?? LatestVersion;
        if (target < 0 || target > LatestVersion)
        {
            throw new ArgumentOutOfRangeException(nameof(targetVersion), target, $"Known schema versions are 0..{LatestVersion}.");
        }

        await using (var uow = await database.OpenAsync(ct))
        {
            // WAL is a property of the database file; setting it once makes it stick for every connection.
            var mode = await uow.ScalarAsync<string>("PRAGMA journal_mode = WAL;", ct);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL journal mode for {database.DatabasePath} (got '{mode}').");
            }

            await uow.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_version (
                    version     INTEGER NOT NULL PRIMARY KEY,
                    description TEXT NOT NULL,
                    applied_at  TEXT NOT NULL
                );
                """, ct);
            var current = await CurrentVersionAsync(uow, ct);
            if (current > LatestVersion)
            {
                throw new StoreSchemaTooNewException(
                    $"The database {database.DatabasePath} has schema version {current}, but this Tidegate supports " +
                    $"versions up to {LatestVersion}. It was written by a newer Tidegate: run that version, " +
                    "or restore a backup made with this one.");
            }
        }

        foreach (var migration in _migrations.Where(m => m.Version <= target))
        {
            await using var uow = await database.BeginAsync(ct);
            if (await CurrentVersionAsync(uow, ct) >= migration.Version)
            {
                continue;
            }

            await uow.ExecuteAsync(migration.Sql, ct);
            await uow.ExecuteAsync(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (@v, @d, @at)",
                ct, ("@v", migration.Version), ("@d", migration.Description), ("@at", time.GetUtcNow()));
            await uow.CommitAsync(ct);
        }

        return await GetVersionAsync(ct);
    }

    private static async Task<int> CurrentVersionAsync(UnitOfWork uow, CancellationToken ct)
    {
        var exists = await uow.ScalarAsync<long>(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'", ct);
        return exists == 0 ? 0 : (int)(await uow.ScalarAsync<long?>("SELECT MAX(version) FROM schema_version", ct) ?? 0);
    }

    private static IReadOnlyList<Migration> Validate(IReadOnlyList<Migration> migrations)
    {
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException(
                    $"Migrations must be numbered 1, 2, 3… without gaps; position {i} has version {migrations[i].Version}.");
            }
        }

        return migrations.Count > 0 ? migrations : throw new InvalidOperationException("No migrations defined.");
    }
}
