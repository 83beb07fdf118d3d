using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Tidegate.Core.Store;
using Tidegate.Server.Http;

namespace Tidegate.Server.Auth;

internal static class AuthSetup
{
    public const string SelectorScheme = "Tidegate";
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    public static IServiceCollection AddTidegateAuth(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("tidegate");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>, DataProtectionKeysInDataDirectory>();

        services.AddAuthentication(SelectorScheme)
            // Bearer when a token is presented, otherwise the cookie: one default scheme serves both clients.
            .AddPolicyScheme(SelectorScheme, "Cookie or API token", o => o.ForwardDefaultSelector = context =>
                ApiTokenAuthenticationHandler.ReadToken(context.Request) is not null
                    ? ApiTokenAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddCookie();
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<ServerOptions>>((o, server) =>
            {
                o.Cookie.Name = "tidegate.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = server.Value.Security.CookieLifetime;
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = c => AuthProblems.WriteAsync(c.HttpContext, ProblemTypes.Unauthenticated, "Log in first (POST /api/auth/login) or send an API token.");
                o.Events.OnRedirectToAccessDenied = c => AuthProblems.WriteAsync(c.HttpContext, ProblemTypes.Forbidden, "Your role does not allow this.");
                o.Events.OnValidatePrincipal = RefreshFromStoreAsync;
            });

        services.AddAuthorizationBuilder()
            // New endpoints are protected by default; anonymous access is an explicit AllowAnonymous.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Viewer, p => p.RequireAuthenticatedUser().RequireRole(
                TidegateClaims.RoleName(UserRole.Viewer), TidegateClaims.RoleName(UserRole.Operator), TidegateClaims.RoleName(UserRole.Admin)))
            .AddPolicy(Policies.Operator, p => p.RequireAuthenticatedUser().RequireRole(
                TidegateClaims.RoleName(UserRole.Operator), TidegateClaims.RoleName(UserRole.Admin)))
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(TidegateClaims.RoleName(UserRole.Admin)));

        services.AddAntiforgery(o =>
        {
            o.HeaderName = AntiforgeryHeader;
            o.Cookie.Name = "tidegate.csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        return services;
    }

    // A cookie outlives role changes, deletions and password changes unless it is checked: take the role from the store on
    // every request, and end the session of a deleted user and of a user whose security stamp changed since the cookie was
    // issued (password change, "log out everywhere"). A cookie without a stamp predates stamps and is refused too.
    private static async Task RefreshFromStoreAsync(CookieValidatePrincipalContext context)
    {
        var store = context.HttpContext.RequestServices.GetRequiredService<TidegateStore>();
        var id = context.Principal?.UserIdOf();
        var user = id is null ? null : await store.Users.GetAsync(id, context.HttpContext.RequestAborted);
        var stamp = context.Principal?.FindFirst(TidegateClaims.SecurityStamp)?.Value;
        if (user is null || stamp is null
            || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(stamp), System.Text.Encoding.UTF8.GetBytes(user.SecurityStamp)))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        context.ReplacePrincipal(new System.Security.Claims.ClaimsPrincipal(TidegateClaims.CookieIdentity(user)));
    }
}

/// <summary>Cookie keys live in the data directory, so logins survive restarts.</summary>
internal sealed class DataProtectionKeysInDataDirectory(IOptions<ServerOptions> server) : IConfigureOptions<KeyManagementOptions>
{
    public void Configure(KeyManagementOptions options)
    {
        var dir = Path.Combine(Path.GetFullPath(server.Value.DataDirectory), "dataprotection-keys");
        Hosting.DataDirectoryModes.Create(dir);
        options.XmlRepository = new Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository(new DirectoryInfo(dir), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
    }
}
