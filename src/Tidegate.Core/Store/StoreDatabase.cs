using Microsoft.Data.Sqlite;

namespace Tidegate.Core.Store;

/// <summary>The embedded SQLite database <c>tidegate.db</c>: opens pooled connections with the
/// per-connection settings every unit of work relies on (foreign keys, busy timeout, secure delete).</summary>
internal sealed class StoreDatabase
{
    public const string FileName = "tidegate.db";

    private readonly string _connectionString;

    public StoreDatabase(string databasePath, TimeSpan busyTimeout)
    {
        DatabasePath = Path.GetFullPath(databasePath);
        BusyTimeout = busyTimeout;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = Math.Max(1, (int)busyTimeout.TotalSeconds),
        }.ToString();
    }

    public string DatabasePath { get; }

    public TimeSpan BusyTimeout { get; }

    public async Task<UnitOfWork> OpenAsync(CancellationToken ct)
    {
        var connection = await OpenConnectionAsync(ct);
        return new UnitOfWork(connection, null);
    }

    /// <summary>A unit of work inside one write transaction. Microsoft.Data.Sqlite begins it with
    /// BEGIN IMMEDIATE, so the write lock is taken up front and concurrent writers wait on the busy
    /// timeout instead of failing with a stale snapshot halfway through.</summary>
    public async Task<UnitOfWork> BeginAsync(CancellationToken ct)
    {
        var connection = await OpenConnectionAsync(ct);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct);
            return new UnitOfWork(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    public static bool IsForeignKeyViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 787 };

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var cmd = connection.CreateCommand();
            // synchronous=FULL: a journaled step must survive power loss, not only a process crash,
            // or the reconciler could miss a step that already acted.
            // secure_delete=ON: SQLite overwrites deleted content with zeros, so a replaced or deleted secret (its
            // ciphertext, or a clear value written by an older version) does not linger in free pages of the file.
            cmd.CommandText = $"PRAGMA busy_timeout = {(long)BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;";
            await cmd.ExecuteNonQueryAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
