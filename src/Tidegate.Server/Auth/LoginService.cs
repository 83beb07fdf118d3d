using Tidegate.Core.Store;

namespace Tidegate.Server.Auth;

internal abstract record LoginResult
{
    private LoginResult()
    {
    }

    internal sealed record Succeeded(UserRecord User) : LoginResult;

    /// <summary>Wrong username or password, or a throttled (username, address) pair: one answer, so neither the existence of
    /// an account nor the throttle's state can be told from it.</summary>
    internal sealed record Failed : LoginResult;
}

/// <summary>Checks a username and password, throttled per (username, client address) by <see cref="LoginThrottle"/>. There is
/// no account lock: failing on purpose slows down only the failing address.</summary>
internal sealed class LoginService(TidegateStore store, LoginThrottle throttle, ILogger<LoginService> logger)
{
    public async Task<LoginResult> LoginAsync(string username, string password, string address, CancellationToken ct)
    {
        if (throttle.WaitFor(username, address) is { } wait)
        {
            // Hash anyway, so a throttled answer takes as long as a checked one.
            PasswordPolicy.Verify(null, password);
            Hosting.Log.LoginThrottled(logger, Truncated(username), address, wait);
            return new LoginResult.Failed();
        }
        var user = await store.Users.GetByUsernameAsync(username, ct);
        if (!PasswordPolicy.Verify(user, password))
        {
            var failures = throttle.RecordFailure(username, address);
            Hosting.Log.LoginFailed(logger, Truncated(username), address, failures);
            return new LoginResult.Failed();
        }
        throttle.RecordSuccess(username, address);
        await store.Users.RecordSuccessfulLoginAsync(user!.Id, ct);
        return new LoginResult.Succeeded(user);
    }

    private static string Truncated(string username) => username.Length > 64 ? username[..64] + "…" : username;
}
