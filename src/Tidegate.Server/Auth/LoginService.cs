using Microsoft.Extensions.Options;
using Tidegate.Core.Store;

namespace Tidegate.Server.Auth;

internal abstract record LoginResult
{
    private LoginResult()
    {
    }

    internal sealed record Succeeded(UserRecord User) : LoginResult;

    internal sealed record Failed : LoginResult;

    internal sealed record LockedOut(DateTimeOffset Until) : LoginResult;
}

/// <summary>Checks a username and password with lockout: <see cref="SecurityOptions.MaxFailedLogins"/>
/// failures in a row lock the account for <see cref="SecurityOptions.LockoutDuration"/>; a locked account
/// refuses even the right password until then.</summary>
internal sealed class LoginService(TidegateStore store, IOptions<ServerOptions> options, TimeProvider time, ILogger<LoginService> logger)
{
    public async Task<LoginResult> LoginAsync(string username, string password, CancellationToken ct)
    {
        var security = options.Value.Security;
        var user = await store.Users.GetByUsernameAsync(username, ct);
        if (user is not null && user.IsLockedOut(time.GetUtcNow()))
        {
            Hosting.Log.LoginLocked(logger, user.Username);
            return new LoginResult.LockedOut(user.LockedUntil!.Value);
        }
        if (!PasswordPolicy.Verify(user, password))
        {
            if (user is not null)
            {
                var updated = await store.Users.RecordFailedLoginAsync(user.Id, security.MaxFailedLogins, security.LockoutDuration, ct);
                Hosting.Log.LoginFailed(logger, user.Username, updated?.FailedLoginCount);
            }
            return new LoginResult.Failed();
        }
        await store.Users.RecordSuccessfulLoginAsync(user!.Id, ct);
        return new LoginResult.Succeeded(user);
    }
}
