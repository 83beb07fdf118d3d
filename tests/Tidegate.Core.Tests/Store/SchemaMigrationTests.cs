using System.Text;
using Microsoft.Data.Sqlite;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Store;

public sealed class SchemaMigrationTests : IDisposable
{
    private readonly string _dir = StoreFixture.NewTempDirectory();
    private readonly FakeTimeProvider _time = new();

    private StoreDatabase NewDatabase() => new(Path.Combine(_dir, StoreDatabase.FileName), TimeSpan.FromSeconds(5));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<int> EarlierVersions()
    {
        var data = new TheoryData<int>();
        for (var v = 0; v < Migrations.Latest; v++)
        {
            data.Add(v);
        }

        return data;
    }

    [Fact]
    public async Task Migrate_FromEmptyDatabase_ReachesLatestVersion()
    {
        var migrator = new SchemaMigrator(NewDatabase(), _time);

        Assert.Equal(0, await migrator.GetVersionAsync(CancellationToken.None));
        Assert.Equal(Migrations.Latest, await migrator.MigrateAsync(null, CancellationToken.None));
        var tables = await TablesAsync(NewDatabase());
        foreach (var expected in new[] { "environments", "deployments", "revisions", "operations", "operation_steps", "progress_events",
                     "deployment_locks", "mode_history", "snapshots", "deployment_metadata", "users", "api_tokens", "audit_log" })
        {
            Assert.Contains(expected, tables);
        }
    }

    [Fact]
    public async Task Migrate_RecordsEveryAppliedVersion()
    {
        var db = NewDatabase();
        await new SchemaMigrator(db, _time).MigrateAsync(null, CancellationToken.None);

        await using var uow = await db.OpenAsync(CancellationToken.None);
        var versions = await uow.QueryAsync("SELECT version FROM schema_version ORDER BY version", r => r.Int("version"), CancellationToken.None);
        Assert.Equal(Migrations.All.Select(m => m.Version), versions);
    }

    [Fact]
    public async Task Open_Twice_IsIdempotent()
    {
        var protector = new Core.Secrets.SecretProtector(new byte[32]);
        var options = new StoreOptions(_dir);
        var first = await TidegateStore.OpenAsync(options, protector, _time, CancellationToken.None);
        await first.Environments.CreateAsync(new NewEnvironment("local", "unix:///var/run/docker.sock"), CancellationToken.None);

        var second = await TidegateStore.OpenAsync(options, protector, _time, CancellationToken.None);

        Assert.NotNull(await second.Environments.GetByNameAsync("local", CancellationToken.None));
        Assert.Equal(Migrations.Latest, await new SchemaMigrator(second.Database, _time).GetVersionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Open_ConcurrentlyFromManyTasks_MigratesOnce()
    {
        var db = NewDatabase();
        var results = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => Task.Run(() => new SchemaMigrator(db, _time).MigrateAsync(null, CancellationToken.None))));

        Assert.All(results, v => Assert.Equal(Migrations.Latest, v));
        await using var uow = await db.OpenAsync(CancellationToken.None);
        Assert.Equal(Migrations.Latest, await uow.ScalarAsync<long>("SELECT COUNT(*) FROM schema_version", CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(EarlierVersions))]
    public async Task Migrate_FromEarlierVersion_KeepsEveryRow(int startVersion)
    {
        var db = NewDatabase();
        var migrator = new SchemaMigrator(db, _time);
        for (var v = 1; v <= startVersion; v++)
        {
            await migrator.MigrateAsync(v, CancellationToken.None);
            await using var uow = await db.OpenAsync(CancellationToken.None);
            await uow.ExecuteAsync(MigrationSamples.ByVersion[v], CancellationToken.None);
        }

        Assert.Equal(startVersion, await migrator.GetVersionAsync(CancellationToken.None));
        var before = await DumpAsync(db, columnsFrom: null);

        await migrator.MigrateAsync(null, CancellationToken.None);

        var after = await DumpAsync(db, columnsFrom: before);
        Assert.Equal(Migrations.Latest, await migrator.GetVersionAsync(CancellationToken.None));
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (table, rows) in before)
        {
            Assert.Equal(rows.Rows, after[table].Rows);
        }

        if (startVersion > 0)
        {
            Assert.Contains(before.Values, t => t.Rows.Count > 0);
        }
    }

    [Fact]
    public void EveryMigration_HasRepresentativeSampleRows()
    {
        foreach (var migration in Migrations.All)
        {
            Assert.True(MigrationSamples.ByVersion.ContainsKey(migration.Version),
                $"Add sample rows for migration {migration.Version} to MigrationSamples so upgrades from it are tested.");
        }
    }

    [Fact]
    public void Migrations_WithAGap_AreRejected()
    {
        var broken = new[] { new Migration(1, "a", "SELECT 1"), new Migration(3, "c", "SELECT 1") };

        var ex = Assert.Throws<InvalidOperationException>(() => new SchemaMigrator(NewDatabase(), _time, broken));

        Assert.Contains("without gaps", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_FailingMigration_RollsBackThatMigrationOnly()
    {
        var migrations = new[]
        {
            new Migration(1, "ok", "CREATE TABLE a (id TEXT PRIMARY KEY);"),
            new Migration(2, "broken", "CREATE TABLE b (id TEXT PRIMARY KEY); INSERT INTO missing_table VALUES (1);"),
        };
        var db = NewDatabase();
        var migrator = new SchemaMigrator(db, _time, migrations);

        await Assert.ThrowsAsync<SqliteException>(() => migrator.MigrateAsync(null, CancellationToken.None));

        Assert.Equal(1, await migrator.GetVersionAsync(CancellationToken.None));
        var tables = await TablesAsync(db);
        Assert.Contains("a", tables);
        Assert.DoesNotContain("b", tables);
    }

    [Fact]
    public async Task Open_DatabaseFromTheFuture_IsRefusedWithClearMessage()
    {
        var db = NewDatabase();
        await new SchemaMigrator(db, _time).MigrateAsync(null, CancellationToken.None);
        await using (var uow = await db.OpenAsync(CancellationToken.None))
        {
            await uow.ExecuteAsync("INSERT INTO schema_version (version, description, applied_at) VALUES (@v, 'future', '2030-01-01T00:00:00.0000000Z')",
                CancellationToken.None, ("@v", Migrations.Latest + 1));
        }

        var ex = await Assert.ThrowsAsync<StoreSchemaTooNewException>(() => TidegateStore.OpenAsync(
            new StoreOptions(_dir), new Core.Secrets.SecretProtector(new byte[32]), _time, CancellationToken.None));

        Assert.Contains($"schema version {Migrations.Latest + 1}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"up to {Migrations.Latest}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Open_CreatesAMissingDataDirectoryPrivateToTheUser()
    {
        var dataDir = Path.Combine(_dir, "data");

        await TidegateStore.OpenAsync(new StoreOptions(dataDir), new Core.Secrets.SecretProtector(new byte[32]), _time, CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dataDir));
        Assert.True(File.Exists(Path.Combine(dataDir, StoreDatabase.FileName)));
    }

    [Fact]
    public async Task Connections_HaveWalJournalAndForeignKeysOn()
    {
        var db = NewDatabase();
        await new SchemaMigrator(db, _time).MigrateAsync(null, CancellationToken.None);

        await using var uow = await db.OpenAsync(CancellationToken.None);
        Assert.Equal("wal", await uow.ScalarAsync<string>("PRAGMA journal_mode", CancellationToken.None));
        Assert.Equal(1L, await uow.ScalarAsync<long>("PRAGMA foreign_keys", CancellationToken.None));
        Assert.True(await uow.ScalarAsync<long>("PRAGMA busy_timeout", CancellationToken.None) >= 1000);
        Assert.True(File.Exists(Path.Combine(_dir, StoreDatabase.FileName + "-wal")));
    }

    private static async Task<List<string>> TablesAsync(StoreDatabase db)
    {
        await using var uow = await db.OpenAsync(CancellationToken.None);
        return await uow.QueryAsync(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version' ORDER BY name",
            r => r.Str("name"), CancellationToken.None);
    }

    private sealed record TableDump(IReadOnlyList<string> Columns, List<string> Rows);

    /// <summary>Every row of every table as text. With <paramref name="columnsFrom"/>, only the columns
    /// that existed then are read, so columns added by later migrations do not count as changes.</summary>
    private static async Task<Dictionary<string, TableDump>> DumpAsync(StoreDatabase db, Dictionary<string, TableDump>? columnsFrom)
    {
        var result = new Dictionary<string, TableDump>();
        await using var uow = await db.OpenAsync(CancellationToken.None);
        foreach (var table in columnsFrom?.Keys.ToList() ?? await TablesAsync(db))
        {
            var columns = columnsFrom?[table].Columns ?? await uow.QueryAsync(
                $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid", r => r.Str("name"), CancellationToken.None);
            var rows = await uow.QueryAsync(
                $"SELECT {string.Join(", ", columns)} FROM {table} ORDER BY rowid",
                r =>
                {
                    var sb = new StringBuilder();
                    for (var i = 0; i < r.FieldCount; i++)
                    {
                        sb.Append(columns[i]).Append('=').Append(r.IsDBNull(i) ? "NULL" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append(';');
                    }

                    return sb.ToString();
                },
                CancellationToken.None);
            result[table] = new TableDump(columns, rows);
        }

        return result;
    }
}
