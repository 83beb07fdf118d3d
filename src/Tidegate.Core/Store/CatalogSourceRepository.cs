using System.Data.Common;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

internal enum CatalogSourceKind
{
    LocalDirectory,
    Git,
}

/// <summary>A catalog source as stored. <see cref="HasCredentials"/> says whether credentials exist;
/// their value comes only from <see cref="CatalogSourceRepository.GetCredentialsAsync"/>.</summary>
internal sealed record CatalogSourceRecord(
    string Id, CatalogSourceKind Kind, string Location, string? Ref, string? SubPath, TimeSpan? SyncInterval,
    bool HasCredentials, DateTimeOffset? LastSyncAt, string? LastSyncError, DateTimeOffset? LastSuccessAt,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal sealed record NewCatalogSource(
    string Id, CatalogSourceKind Kind, string Location, string? Ref = null, string? SubPath = null,
    TimeSpan? SyncInterval = null, string? Credentials = null);

internal sealed class CatalogSourceRepository(StoreDatabase db, SecretProtector protector, TimeProvider time)
{
    private const string Columns =
        "id, kind, location, git_ref, sub_path, sync_interval_ms, credentials, last_sync_at, last_sync_error, last_success_at, created_at, updated_at";

    public async Task<SaveResult<CatalogSourceRecord>> CreateAsync(NewCatalogSource source, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        try
        {
            await using var uow = await db.OpenAsync(ct);
            await uow.ExecuteAsync(
                $"INSERT INTO catalog_sources ({Columns}) VALUES (@id, @kind, @location, @ref, @sub, @interval, @cred, NULL, NULL, NULL, @at, @at)",
                ct, ("@id", source.Id), ("@kind", source.Kind), ("@location", source.Location), ("@ref", source.Ref),
                ("@sub", source.SubPath), ("@interval", source.SyncInterval), ("@cred", Protect(source.Id, source.Credentials)), ("@at", now));
        }
        catch (DbException ex) when (StoreDatabase.IsUniqueViolation(ex))
        {
            return new SaveResult<CatalogSourceRecord>.Duplicate("id", source.Id);
        }

        return new SaveResult<CatalogSourceRecord>.Saved((await GetAsync(source.Id, ct))!);
    }

    /// <summary>Replaces the settings. Credentials: null keeps the stored ones; empty string removes them.</summary>
    public async Task<bool> UpdateAsync(NewCatalogSource source, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var sql = source.Credentials is null
            ? "UPDATE catalog_sources SET kind = @kind, location = @location, git_ref = @ref, sub_path = @sub, sync_interval_ms = @interval, updated_at = @at WHERE id = @id"
            : "UPDATE catalog_sources SET kind = @kind, location = @location, git_ref = @ref, sub_path = @sub, sync_interval_ms = @interval, credentials = @cred, updated_at = @at WHERE id = @id";
        return await uow.ExecuteAsync(sql, ct, ("@id", source.Id), ("@kind", source.Kind), ("@location", source.Location),
            ("@ref", source.Ref), ("@sub", source.SubPath), ("@interval", source.SyncInterval),
            ("@cred", source.Credentials is "" ? null : Protect(source.Id, source.Credentials)), ("@at", time.GetUtcNow())) == 1;
    }

    public async Task<CatalogSourceRecord?> GetAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM catalog_sources WHERE id = @id", Map, ct, ("@id", id));
    }

    public async Task<PagedResult<CatalogSourceRecord>> ListAsync(Page page, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync($"SELECT {Columns} FROM catalog_sources ORDER BY id LIMIT @limit OFFSET @offset",
            Map, ct, ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>("SELECT COUNT(*) FROM catalog_sources", ct);
        return new PagedResult<CatalogSourceRecord>(items, total, page.SafeLimit, page.SafeOffset);
    }

    /// <summary>The decrypted credentials (e.g. a git token) for the sync job, or null.</summary>
    public async Task<string?> GetCredentialsAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var stored = await uow.ScalarAsync<string>("SELECT credentials FROM catalog_sources WHERE id = @id", ct, ("@id", id));
        return stored is null ? null : protector.Unprotect(stored, AssociatedData(id));
    }

    /// <summary>Records a sync attempt: a null error is a success. A failed sync keeps the last success time.</summary>
    public async Task<bool> RecordSyncAsync(string id, DateTimeOffset at, string? error, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("""
            UPDATE catalog_sources
            SET last_sync_at = @at, last_sync_error = @error,
                last_success_at = CASE WHEN @error IS NULL THEN @at ELSE last_success_at END
            WHERE id = @id
            """, ct, ("@id", id), ("@at", at), ("@error", error)) == 1;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("DELETE FROM catalog_sources WHERE id = @id", ct, ("@id", id)) == 1;
    }

    private string? Protect(string id, string? credentials) =>
        string.IsNullOrEmpty(credentials) ? null : protector.Protect(credentials, AssociatedData(id));

    private static string AssociatedData(string id) => $"catalog_sources/{id}";

    private static CatalogSourceRecord Map(DbDataReader r) => new(
        r.Str("id"), r.Enum<CatalogSourceKind>("kind"), r.Str("location"), r.NStr("git_ref"), r.NStr("sub_path"),
        r.NDuration("sync_interval_ms"), r.NStr("credentials") is not null, r.NTime("last_sync_at"), r.NStr("last_sync_error"),
        r.NTime("last_success_at"), r.Time("created_at"), r.Time("updated_at"));
}
