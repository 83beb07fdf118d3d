using Tidegate.Core.Store;
using Tidegate.Server.Auth;

namespace Tidegate.Server.Users;

/// <summary>Creating the first admin: shared by <c>tidegate admin create</c> (offline) and the
/// TIDEGATE_BOOTSTRAP_ADMIN_* first start. There is no unauthenticated setup window over HTTP.</summary>
internal static class AdminAccounts
{
    public static async Task<(UserRecord? User, string? Error)> CreateAsync(TidegateStore store, string username, string password, CancellationToken ct)
    {
        if (PasswordPolicy.CheckUsername(username) is { } nameError)
        {
            return (null, nameError);
        }
        if (PasswordPolicy.Check(password) is { } passwordError)
        {
            return (null, passwordError);
        }
        return await store.Users.CreateAsync(username, PasswordPolicy.Hash(password), UserRole.Admin, ct) switch
        {
            SaveResult<UserRecord>.Saved saved => (saved.Value, null),
            _ => (null, $"A user named '{username}' already exists."),
        };
    }

    /// <summary>Creates the bootstrap admin only when the store has no user at all.</summary>
    public static async Task<UserRecord?> BootstrapAsync(TidegateStore store, ServerOptions options, ILogger logger, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(options.BootstrapAdminUser) || string.IsNullOrEmpty(options.BootstrapAdminPassword))
        {
            if (await store.Users.CountAsync(null, ct) == 0)
            {
                Hosting.Log.NoUsers(logger);
            }
            return null;
        }
        if (await store.Users.CountAsync(null, ct) > 0)
        {
            return null;
        }
        var (user, error) = await CreateAsync(store, options.BootstrapAdminUser, options.BootstrapAdminPassword, ct);
        if (user is null)
        {
            throw new InvalidOperationException($"The bootstrap admin could not be created: {error}");
        }
        Hosting.Log.BootstrapAdmin(logger, user.Username);
        return user;
    }
}
