using System.Security.Claims;
using Tidegate.Core.Store;

namespace Tidegate.Server.Auth;

/// <summary>Authorization policies, from least to most privileged. Set once per endpoint group.</summary>
internal static class Policies
{
    /// <summary>Any authenticated user (viewer, operator, admin): read access.</summary>
    public const string Viewer = "viewer";

    /// <summary>Operator or admin: deploy, upgrade, rollback, modes, catalog sync.</summary>
    public const string Operator = "operator";

    /// <summary>Admin only: users, credentials, registries, catalog sources, environments.</summary>
    public const string Admin = "admin";
}

internal static class TidegateClaims
{
    public const string UserId = ClaimTypes.NameIdentifier;
    public const string Username = ClaimTypes.Name;
    public const string Role = ClaimTypes.Role;
    public const string TokenId = "tg:token_id";
    public const string TokenName = "tg:token_name";
    public const string ScopeEnvironment = "tg:scope_environment";
    public const string ScopeDeployment = "tg:scope_deployment";
    public const string SecurityStamp = "tg:stamp";

    public static string RoleName(UserRole role) => role.ToString().ToLowerInvariant();

    public static bool TryParseRole(string? text, out UserRole role)
    {
        role = default;
        return text is not null && Enum.TryParse(text, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(text, out _);
    }

    public static string? UserIdOf(this ClaimsPrincipal user) => user.FindFirstValue(UserId);

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(RoleName(UserRole.Admin));

    public static bool IsToken(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == TokenId);

    public static bool IsScoped(this ClaimsPrincipal user)
        => user.HasClaim(c => c.Type is ScopeEnvironment or ScopeDeployment);

    /// <summary>How the audit log names the actor: the user, and the token when one was used.</summary>
    public static string ActorName(this ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return "anonymous";
        }
        var name = user.FindFirstValue(Username) ?? "unknown";
        return user.FindFirstValue(TokenName) is { } token ? $"{name} (token {token})" : name;
    }

    public static ClaimsIdentity Identity(UserRecord user, string authenticationType)
        => new([
            new Claim(UserId, user.Id),
            new Claim(Username, user.Username),
            new Claim(Role, RoleName(user.Role)),
        ], authenticationType, Username, Role);

    /// <summary>The login cookie's identity: carries the user's security stamp, so a new stamp ends the session.</summary>
    public static ClaimsIdentity CookieIdentity(UserRecord user)
    {
        var identity = Identity(user, Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme);
        identity.AddClaim(new Claim(SecurityStamp, user.SecurityStamp));
        return identity;
    }
}
