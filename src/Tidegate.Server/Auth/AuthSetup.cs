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

    // A cookie outlives role changes and deletions unless it is checked: take the role from the store
    // on every request, and end the session of a deleted user.
    private static async Task RefreshFromStoreAsync(CookieValidatePrincipalContext context)
    {
        var store = context.HttpContext.RequestServices.GetRequiredService<TidegateStore>();
        var id = context.Principal?.UserIdOf();
        var user = id is null ? null : await store.Users.GetAsync(id, context.HttpContext.RequestAborted);
        if (user is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        context.ReplacePrincipal(new System.Security.Claims.ClaimsPrincipal(
            TidegateClaims.Identity(user, CookieAuthenticationDefaults.AuthenticationScheme)));
    }
}

/// <summary>Cookie keys live in the data directory, so logins survive restarts.</summary>
internal sealed class DataProtectionKeysInDataDirectory(IOptions<ServerOptions> server) : IConfigureOptions<KeyManagementOptions>
{
    public void Configure(KeyManagementOptions options)
    {
        var dir = Path.Combine(Path.GetFullPath(server.Value.DataDirectory), "dataprotection-keys");
        Directory.CreateDirectory(dir);
        options.XmlRepository = new Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository(new DirectoryInfo(dir), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
    }
}
