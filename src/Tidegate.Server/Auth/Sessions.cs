using Tidegate.Core.Store;

namespace Tidegate.Server.Auth;

/// <summary>"Log out everywhere": a new security stamp ends every login cookie of the user (checked on each request in
/// <see cref="AuthSetup"/>); API tokens are separate credentials and are revoked only when asked.</summary>
internal sealed class Sessions(TidegateStore store, ILogger<Sessions> logger)
{
    /// <summary>False when the user does not exist.</summary>
    public async Task<bool> EndAllAsync(string userId, bool revokeTokens, string actor, CancellationToken ct)
    {
        if (!await store.Users.RotateSecurityStampAsync(userId, ct))
        {
            return false;
        }
        var tokens = revokeTokens ? await store.ApiTokens.RevokeAllAsync(userId, ct) : 0;
        Hosting.Log.SessionsEnded(logger, userId, actor, tokens);
        return true;
    }
}
