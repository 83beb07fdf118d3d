using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

internal sealed record ApiTokenRecord(
    string Id, string UserId, string Name, string Prefix, string? ScopeEnvironmentId, string? ScopeDeploymentId,
    DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

internal sealed record NewApiToken(
    string UserId, string Name, DateTimeOffset? ExpiresAt = null, string? ScopeEnvironmentId = null, string? ScopeDeploymentId = null);

/// <summary>A freshly issued token. <see cref="Token"/> is shown to the user once and never stored.</summary>
internal sealed record IssuedApiToken(ApiTokenRecord Record, string Token)
{
    public override string ToString() => $"IssuedApiToken {{ Id = {Record.Id}, Prefix = {Record.Prefix}, Token = {Masked.Value} }}";
}

/// <summary>API tokens are stored as SHA-256 hashes: a token is 256 random bits, so a fast hash is
/// enough (no dictionary to attack) and lets a lookup be one indexed equality.</summary>
internal sealed class ApiTokenRepository(StoreDatabase db, TimeProvider time)
{
    public const string TokenPrefix = "tg_";
    private const int PrefixLength = 10;

    private const string Columns =
        "id, user_id, name, prefix, scope_environment_id, scope_deployment_id, created_at, expires_at, revoked_at, last_used_at";

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public async Task<IssuedApiToken> IssueAsync(NewApiToken request, CancellationToken ct)
    {
        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new ApiTokenRecord(StoreIds.New(time), request.UserId, request.Name, token[..PrefixLength],
            request.ScopeEnvironmentId, request.ScopeDeploymentId, time.GetUtcNow(), request.ExpiresAt, null, null);
        await using var uow = await db.OpenAsync(ct);
        await uow.ExecuteAsync($"""
            INSERT INTO api_tokens ({Columns}, token_hash)
            VALUES (@id, @user, @name, @prefix, @env, @deployment, @at, @expires, NULL, NULL, @hash)
            """, ct, ("@id", record.Id), ("@user", record.UserId), ("@name", record.Name), ("@prefix", record.Prefix),
            ("@env", record.ScopeEnvironmentId), ("@deployment", record.ScopeDeploymentId), ("@at", record.CreatedAt),
            ("@expires", record.ExpiresAt), ("@hash", Hash(token)));
        return new IssuedApiToken(record, token);
    }

    /// <summary>The active (not revoked, not expired, not older than <paramref name="maxLifetime"/>) token matching
    /// <paramref name="token"/>, with its last-used time updated; null when there is none.</summary>
    public async Task<ApiTokenRecord?> AuthenticateAsync(string token, TimeSpan? maxLifetime, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"""
            UPDATE api_tokens SET last_used_at = @now
            WHERE token_hash = @hash AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)
              AND (@oldest IS NULL OR created_at > @oldest)
            RETURNING {Columns}
            """, Map, ct, ("@hash", Hash(token)), ("@now", now), ("@oldest", maxLifetime is { } max ? now - max : null));
    }

    public async Task<ApiTokenRecord?> GetAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM api_tokens WHERE id = @id", Map, ct, ("@id", id));
    }

    /// <summary>Newest first; optionally of one user.</summary>
    public async Task<PagedResult<ApiTokenRecord>> ListAsync(string? userId, Page page, CancellationToken ct)
    {
        const string filter = "WHERE (@user IS NULL OR user_id = @user)";
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync($"SELECT {Columns} FROM api_tokens {filter} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset",
            Map, ct, ("@user", userId), ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>($"SELECT COUNT(*) FROM api_tokens {filter}", ct, ("@user", userId));
        return new PagedResult<ApiTokenRecord>(items, total, page.SafeLimit, page.SafeOffset);
    }

    /// <summary>Revokes a token; false when it does not exist or was already revoked.</summary>
    public async Task<bool> RevokeAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("UPDATE api_tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL",
            ct, ("@id", id), ("@now", time.GetUtcNow())) == 1;
    }

    /// <summary>Revokes every active token of a user; returns how many.</summary>
    public async Task<int> RevokeAllAsync(string userId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("UPDATE api_tokens SET revoked_at = @now WHERE user_id = @user AND revoked_at IS NULL",
            ct, ("@user", userId), ("@now", time.GetUtcNow()));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ApiTokenRecord Map(DbDataReader r) => new(
        r.Str("id"), r.Str("user_id"), r.Str("name"), r.Str("prefix"), r.NStr("scope_environment_id"), r.NStr("scope_deployment_id"),
        r.Time("created_at"), r.NTime("expires_at"), r.NTime("revoked_at"), r.NTime("last_used_at"));
}
