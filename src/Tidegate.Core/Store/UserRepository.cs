using System.Data.Common;
using System.Security.Cryptography;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

internal enum UserRole
{
    Admin,
    Operator,
    Viewer,
}

/// <summary>A local user. PasswordHash is the string the password hasher produced; hashing lives
/// with authentication, the store only keeps it. SecurityStamp changes with the password and on "log out everywhere":
/// a login cookie carries the stamp it was issued with and stops working when they differ.</summary>
internal sealed record UserRecord(
    string Id, string Username, string PasswordHash, UserRole Role, string SecurityStamp,
    DateTimeOffset? LastLoginAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public override string ToString() =>
        $"UserRecord {{ Id = {Id}, Username = {Username}, Role = {Role}, PasswordHash = {Masked.Value}, SecurityStamp = {Masked.Value} }}";
}

/// <summary>Usernames are case-insensitive: stored and looked up in lower case.</summary>
internal sealed class UserRepository(StoreDatabase db, TimeProvider time)
{
    // failed_login_count and locked_until (schema 4) are no longer used: logins are throttled per client address in memory.
    private const string Columns =
        "id, username, password_hash, role, security_stamp, last_login_at, created_at, updated_at";

    public static string Normalize(string username) => username.Trim().ToLowerInvariant();

    public async Task<SaveResult<UserRecord>> CreateAsync(string username, string passwordHash, UserRole role, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var user = new UserRecord(StoreIds.New(time), Normalize(username), passwordHash, role, NewStamp(), null, now, now);
        try
        {
            await using var uow = await db.OpenAsync(ct);
            await uow.ExecuteAsync(
                $"INSERT INTO users ({Columns}) VALUES (@id, @name, @hash, @role, @stamp, NULL, @at, @at)",
                ct, ("@id", user.Id), ("@name", user.Username), ("@hash", passwordHash), ("@role", role), ("@stamp", user.SecurityStamp), ("@at", now));
            return new SaveResult<UserRecord>.Saved(user);
        }
        catch (DbException ex) when (StoreDatabase.IsUniqueViolation(ex))
        {
            return new SaveResult<UserRecord>.Duplicate("username", user.Username);
        }
    }

    public async Task<UserRecord?> GetAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM users WHERE id = @id", Map, ct, ("@id", id));
    }

    public async Task<UserRecord?> GetByUsernameAsync(string username, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM users WHERE username = @name", Map, ct, ("@name", Normalize(username)));
    }

    public async Task<PagedResult<UserRecord>> ListAsync(Page page, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync($"SELECT {Columns} FROM users ORDER BY username LIMIT @limit OFFSET @offset",
            Map, ct, ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>("SELECT COUNT(*) FROM users", ct);
        return new PagedResult<UserRecord>(items, total, page.SafeLimit, page.SafeOffset);
    }

    public async Task<long> CountAsync(UserRole? role, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ScalarAsync<long>("SELECT COUNT(*) FROM users WHERE (@role IS NULL OR role = @role)", ct, ("@role", role));
    }

    /// <summary>Sets the password and a new security stamp (every login cookie of the user stops working).</summary>
    public async Task<bool> SetPasswordHashAsync(string id, string passwordHash, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("UPDATE users SET password_hash = @hash, security_stamp = @stamp, updated_at = @at WHERE id = @id",
            ct, ("@id", id), ("@hash", passwordHash), ("@stamp", NewStamp()), ("@at", time.GetUtcNow())) == 1;
    }

    /// <summary>A new security stamp: every login cookie of the user stops working. False when the user does not exist.</summary>
    public async Task<bool> RotateSecurityStampAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("UPDATE users SET security_stamp = @stamp, updated_at = @at WHERE id = @id",
            ct, ("@id", id), ("@stamp", NewStamp()), ("@at", time.GetUtcNow())) == 1;
    }

    public async Task<bool> SetRoleAsync(string id, UserRole role, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("UPDATE users SET role = @role, updated_at = @at WHERE id = @id",
            ct, ("@id", id), ("@role", role), ("@at", time.GetUtcNow())) == 1;
    }

    /// <summary>Records the login time.</summary>
    public async Task<bool> RecordSuccessfulLoginAsync(string id, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("UPDATE users SET last_login_at = @now WHERE id = @id", ct, ("@id", id), ("@now", now)) == 1;
    }

    /// <summary>Deletes the user and their API tokens; audit entries keep the actor's name.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("DELETE FROM users WHERE id = @id", ct, ("@id", id)) == 1;
    }

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static UserRecord Map(DbDataReader r) => new(
        r.Str("id"), r.Str("username"), r.Str("password_hash"), r.Enum<UserRole>("role"), r.Str("security_stamp"),
        r.NTime("last_login_at"), r.Time("created_at"), r.Time("updated_at"));
}
