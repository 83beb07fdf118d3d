using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Store;
using Tidegate.Server.Audit;
using Tidegate.Server.Http;

namespace Tidegate.Server.Auth;

internal sealed record LoginRequest(string? Username, string? Password);

internal sealed record TokenLoginRequest(string? Username, string? Password, string? TokenName, int? ExpiresInDays);

internal sealed record MeResponse(string Id, string Username, string Role, string AuthenticatedBy, string? TokenName,
    string? ScopeEnvironmentId, string? ScopeDeploymentId);

internal sealed record AntiforgeryResponse(string Token, string HeaderName);

internal static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth").WithTags("Auth");

        group.MapPost("/login", LoginAsync).AllowAnonymous().RequireLoginRateLimit().WithAuditAction("auth.login");
        group.MapPost("/token", TokenAsync).AllowAnonymous().RequireLoginRateLimit().WithAuditAction("auth.token");
        group.MapPost("/logout", (Delegate)LogoutAsync).RequireAuthorization(Policies.Viewer).AllowAnyTokenScope();
        group.MapGet("/me", Me).RequireAuthorization(Policies.Viewer).AllowAnyTokenScope();
        group.MapGet("/antiforgery", Antiforgery).RequireAuthorization(Policies.Viewer);
        return app;
    }

    private static async Task<Results<Ok<MeResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext context, LoginService login, CancellationToken ct)
    {
        var errors = new FieldErrors().Required("username", request.Username).Required("password", request.Password);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        AuditMiddleware.SetActor(context, request.Username!);
        switch (await login.LoginAsync(request.Username!, request.Password!, ct))
        {
            case LoginResult.Succeeded ok:
                var identity = TidegateClaims.Identity(ok.User, CookieAuthenticationDefaults.AuthenticationScheme);
                await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
                return TypedResults.Ok(ToMe(new ClaimsPrincipal(identity)));
            case LoginResult.LockedOut locked:
                return Problems.Of(ProblemTypes.LockedOut, $"Too many failed logins; the account is locked until {locked.Until:u}.");
            default:
                return Problems.Of(ProblemTypes.LoginFailed, "The username or password is wrong.");
        }
    }

    /// <summary>For the CLI and CI: username and password in, a new API token out (shown once).</summary>
    private static async Task<Results<Ok<Tokens.CreatedTokenResponse>, ValidationProblem, ProblemHttpResult>> TokenAsync(
        TokenLoginRequest request, HttpContext context, LoginService login, TidegateStore store, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors().Required("username", request.Username).Required("password", request.Password);
        if (request.ExpiresInDays is < 1 or > 3650)
        {
            errors.Add("expiresInDays", "expiresInDays must be between 1 and 3650.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        AuditMiddleware.SetActor(context, request.Username!);
        switch (await login.LoginAsync(request.Username!, request.Password!, ct))
        {
            case LoginResult.Succeeded ok:
                var expires = time.GetUtcNow().AddDays(request.ExpiresInDays ?? 90);
                var name = string.IsNullOrWhiteSpace(request.TokenName) ? $"cli-{time.GetUtcNow():yyyyMMdd-HHmmss}" : request.TokenName.Trim();
                var issued = await store.ApiTokens.IssueAsync(new NewApiToken(ok.User.Id, name, expires), ct);
                return TypedResults.Ok(Tokens.CreatedTokenResponse.From(issued));
            case LoginResult.LockedOut locked:
                return Problems.Of(ProblemTypes.LockedOut, $"Too many failed logins; the account is locked until {locked.Until:u}.");
            default:
                return Problems.Of(ProblemTypes.LoginFailed, "The username or password is wrong.");
        }
    }

    private static async Task<NoContent> LogoutAsync(HttpContext context)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }

    private static Ok<MeResponse> Me(ClaimsPrincipal user) => TypedResults.Ok(ToMe(user));

    private static Ok<AntiforgeryResponse> Antiforgery(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Ok(new AntiforgeryResponse(tokens.RequestToken!, tokens.HeaderName ?? AuthSetup.AntiforgeryHeader));
    }

    private static MeResponse ToMe(ClaimsPrincipal user) => new(
        user.UserIdOf()!, user.FindFirstValue(TidegateClaims.Username)!, user.FindFirstValue(TidegateClaims.Role)!,
        user.IsToken() ? "token" : "cookie", user.FindFirstValue(TidegateClaims.TokenName),
        user.FindFirstValue(TidegateClaims.ScopeEnvironment), user.FindFirstValue(TidegateClaims.ScopeDeployment));
}
