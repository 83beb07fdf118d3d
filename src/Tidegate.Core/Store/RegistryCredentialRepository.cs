using System.Data.Common;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

/// <summary>Credentials as listed: the password is always <see cref="Masked.Value"/>.</summary>
internal sealed record RegistryCredentialInfo(string Host, string Username, string Password, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>Clear credentials for an image pull. Only <see cref="RegistryCredentialRepository.GetForPullAsync"/> returns it.</summary>
internal sealed record RegistryCredential(string Host, string Username, string Password)
{
    public override string ToString() => $"RegistryCredential {{ Host = {Host}, Username = {Username}, Password = {Masked.Value} }}";
}

internal sealed class RegistryCredentialRepository(StoreDatabase db, SecretProtector protector, TimeProvider time)
{
    public async Task SaveAsync(RegistryCredential credential, CancellationToken ct)
    {
        var host = NormalizeHost(credential.Host);
        var now = time.GetUtcNow();
        var password = protector.Protect(credential.Password, AssociatedData(host));
        await using var uow = await db.OpenAsync(ct);
        await uow.ExecuteAsync("""
            INSERT INTO registry_credentials (host, username, password, created_at, updated_at)
            VALUES (@host, @user, @password, @at, @at)
            ON CONFLICT (host) DO UPDATE SET username = excluded.username, password = excluded.password, updated_at = excluded.updated_at
            """, ct, ("@host", host), ("@user", credential.Username), ("@password", password), ("@at", now));
    }

    public async Task<PagedResult<RegistryCredentialInfo>> ListAsync(Page page, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync(
            "SELECT host, username, created_at, updated_at FROM registry_credentials ORDER BY host LIMIT @limit OFFSET @offset",
            r => new RegistryCredentialInfo(r.Str("host"), r.Str("username"), Masked.Value, r.Time("created_at"), r.Time("updated_at")),
            ct, ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>("SELECT COUNT(*) FROM registry_credentials", ct);
        return new PagedResult<RegistryCredentialInfo>(items, total, page.SafeLimit, page.SafeOffset);
    }

    /// <summary>The decrypted credential for pulling from <paramref name="host"/>, or null when none is saved.</summary>
    public async Task<RegistryCredential?> GetForPullAsync(string host, CancellationToken ct)
    {
        var normalized = NormalizeHost(host);
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync(
            "SELECT host, username, password FROM registry_credentials WHERE host = @host",
            r => new RegistryCredential(r.Str("host"), r.Str("username"), protector.Unprotect(r.Str("password"), AssociatedData(normalized))),
            ct, ("@host", normalized));
    }

    public async Task<bool> DeleteAsync(string host, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("DELETE FROM registry_credentials WHERE host = @host", ct, ("@host", NormalizeHost(host))) == 1;
    }

    // Registry host names are case-insensitive; one credential per host regardless of spelling.
    private static string NormalizeHost(string host) => host.Trim().ToLowerInvariant();

    private static string AssociatedData(string host) => $"registry_credentials/{host}";
}
