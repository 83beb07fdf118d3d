using System.Data.Common;

namespace Tidegate.Core.Store;

/// <summary>One connection (from the pool) and, for multi-row changes, one transaction. Written
/// against the ADO.NET base types so a PostgreSQL (Npgsql) implementation can reuse the repositories'
/// query code unchanged where the SQL is portable.</summary>
internal sealed class UnitOfWork(DbConnection connection, DbTransaction? transaction) : IAsyncDisposable
{
    public async Task<int> ExecuteAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Create(sql, args);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<T?> ScalarAsync<T>(string sql, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Create(sql, args);
        var value = await cmd.ExecuteScalarAsync(ct);
        if (value is null or DBNull)
        {
            return default;
        }

        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<List<T>> QueryAsync<T>(
        string sql, Func<DbDataReader, T> map, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Create(sql, args);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(map(reader));
        }

        return list;
    }

    public async Task<T?> QuerySingleAsync<T>(
        string sql, Func<DbDataReader, T> map, CancellationToken ct, params (string Name, object? Value)[] args)
        where T : class
    {
        var rows = await QueryAsync(sql, map, ct, args);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task CommitAsync(CancellationToken ct)
    {
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (transaction is not null)
        {
            await transaction.DisposeAsync();
        }

        await connection.DisposeAsync();
    }

    private DbCommand Create(string sql, (string Name, object? Value)[] args)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = transaction;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = SqlValues.ToDb(value);
            cmd.Parameters.Add(p);
        }

        return cmd;
    }
}
