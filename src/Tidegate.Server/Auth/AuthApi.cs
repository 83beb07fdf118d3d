using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Tidegate.Core.Store;
using Tidegate.Core.Validation;
using Tidegate.Server.Audit;
using Tidegate.Server.Http;

namespace Tidegate.Server.Auth;

internal sealed record LoginRequest(string? Username, string? Password);

internal sealed record TokenLoginRequest(string? Username, string? Password, string? TokenName, int? ExpiresInDays);

internal sealed record LogoutAllRequest(bool? RevokeTokens);

internal sealed record MeResponse(string Id, string Username, string Role, string AuthenticatedBy, string? TokenName,
    string? ScopeEnvironmentId, string? ScopeDeploymentId);

internal sealed record AntiforgeryResponse(string Token, string HeaderName);

internal static class AuthApi
{
    /// <summary>The one answer to a refused login, whatever the reason (unknown user, wrong password, throttled).</summary>
    private const string LoginFailedDetail = "The username or password is wrong, or there were too many failed attempts from this address; wait and try again.";

    private const int DefaultCliTokenDays = 90;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth").WithTags("Auth");

        group.MapPost("/login", LoginAsync).AllowAnonymous().RequireLoginRateLimit().WithAuditAction("auth.login");
        group.MapPost("/token", TokenAsync).AllowAnonymous().RequireLoginRateLimit().WithAuditAction("auth.token");
        group.MapPost("/logout", (Delegate)LogoutAsync).RequireAuthorization(Policies.Viewer).AllowAnyTokenScope();
        // Not for scoped tokens: a CI token must not end its user's sessions or revoke the user's other tokens.
        group.MapPost("/logout-all", LogoutAllAsync).RequireAuthorization(Policies.Viewer).WithAuditAction("auth.logout-all");
        group.MapGet("/me", Me).RequireAuthorization(Policies.Viewer).AllowAnyTokenScope();
        group.MapGet("/antiforgery", Antiforgery).RequireAuthorization(Policies.Viewer);
        return app;
    }

    private static FieldErrors ValidateCredentials(string? username, string? password)
        => new FieldErrors().Required("username", username).Text("username", username, 256).Required("password", password);

    private static async Task<Results<Ok<MeResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext context, LoginService login, CancellationToken ct)
    {
        if (ValidateCredentials(request.Username, request.Password) is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        AuditMiddleware.SetActor(context, request.Username!);
        if (await login.LoginAsync(request.Username!, request.Password!, ClientAddress(context), ct) is not LoginResult.Succeeded ok)
        {
            return Problems.Of(ProblemTypes.LoginFailed, LoginFailedDetail);
        }
        var principal = new ClaimsPrincipal(TidegateClaims.CookieIdentity(ok.User));
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        return TypedResults.Ok(ToMe(principal));
    }

    /// <summary>For the CLI and CI: username and password in, a new API token out (shown once).</summary>
    private static async Task<Results<Ok<Tokens.CreatedTokenResponse>, ValidationProblem, ProblemHttpResult>> TokenAsync(
        TokenLoginRequest request, HttpContext context, LoginService login, TidegateStore store, TimeProvider time, IOptions<ServerOptions> options,
        CancellationToken ct)
    {
        var errors = ValidateCredentials(request.Username, request.Password).Text("tokenName", request.TokenName, Names.MaxNameLength);
        var maxDays = (int)options.Value.Security.MaxTokenLifetime.TotalDays;
        if (request.ExpiresInDays is { } days && (days < 1 || days > maxDays))
        {
            errors.Add("expiresInDays", $"expiresInDays must be between 1 and {maxDays} (Security:MaxTokenLifetime).");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        AuditMiddleware.SetActor(context, request.Username!);
        if (await login.LoginAsync(request.Username!, request.Password!, ClientAddress(context), ct) is not LoginResult.Succeeded ok)
        {
            return Problems.Of(ProblemTypes.LoginFailed, LoginFailedDetail);
        }
        var now = time.GetUtcNow();
        var expires = now.AddDays(request.ExpiresInDays ?? Math.Min(DefaultCliTokenDays, maxDays));
        var name = string.IsNullOrWhiteSpace(request.TokenName) ? $"cli-{now:yyyyMMdd-HHmmss}" : request.TokenName.Trim();
        var issued = await store.ApiTokens.IssueAsync(new NewApiToken(ok.User.Id, name, expires), ct);
        return TypedResults.Ok(Tokens.CreatedTokenResponse.From(issued));
    }

    /// <summary>Ends this browser's session: the cookie is deleted. Copies of it elsewhere end only with
    /// <c>logout-all</c> (which ends every session of the user), so that logging out on one device does not log out the others.</summary>
    private static async Task<NoContent> LogoutAsync(HttpContext context)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }

    /// <summary>Ends every session of the caller (a new security stamp) and, with <c>revokeTokens: true</c>, revokes all their API tokens.</summary>
    private static async Task<NoContent> LogoutAllAsync(LogoutAllRequest? request, HttpContext context, Sessions sessions, CancellationToken ct)
    {
        await sessions.EndAllAsync(context.User.UserIdOf()!, request?.RevokeTokens == true, context.User.ActorName(), ct);
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }

    private static string ClientAddress(HttpContext context) => LoginRateLimitMiddleware.Partition(context.Connection.RemoteIpAddress);

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
