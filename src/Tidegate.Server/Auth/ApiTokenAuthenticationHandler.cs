using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Tidegate.Core.Store;

namespace Tidegate.Server.Auth;

/// <summary>Authenticates <c>Authorization: Bearer tg_...</c>. For the hub path only, the token may also
/// come as the <c>access_token</c> query parameter, because browsers cannot set headers on WebSockets.</summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TidegateStore store,
    IOptions<ServerOptions> server)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    public const string HubPathPrefix = "/hubs/";

    public static string? ReadToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }
        return request.Path.StartsWithSegments(HubPathPrefix.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
               && request.Query.TryGetValue("access_token", out var query) && query.Count == 1
            ? query[0]
            : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken(Request);
        if (string.IsNullOrEmpty(token))
        {
            return AuthenticateResult.NoResult();
        }
        if (!token.StartsWith(ApiTokenRepository.TokenPrefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.Fail("The bearer token is not a Tidegate API token.");
        }
        var record = await store.ApiTokens.AuthenticateAsync(token, server.Value.Security.MaxTokenLifetime, Context.RequestAborted);
        if (record is null)
        {
            return AuthenticateResult.Fail("The API token is unknown, expired or revoked.");
        }
        var user = await store.Users.GetAsync(record.UserId, Context.RequestAborted);
        if (user is null)
        {
            return AuthenticateResult.Fail("The API token's user no longer exists.");
        }
        var identity = TidegateClaims.Identity(user, SchemeName);
        identity.AddClaim(new Claim(TidegateClaims.TokenId, record.Id));
        identity.AddClaim(new Claim(TidegateClaims.TokenName, record.Name));
        if (record.ScopeEnvironmentId is { } env)
        {
            identity.AddClaim(new Claim(TidegateClaims.ScopeEnvironment, env));
        }
        if (record.ScopeDeploymentId is { } deployment)
        {
            identity.AddClaim(new Claim(TidegateClaims.ScopeDeployment, deployment));
        }
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        => AuthProblems.WriteAsync(Context, Http.ProblemTypes.Unauthenticated,
            "Send a valid API token as 'Authorization: Bearer tg_...' or log in.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        => AuthProblems.WriteAsync(Context, Http.ProblemTypes.Forbidden, "Your role or token scope does not allow this.");
}

internal static class AuthProblems
{
    public static async Task WriteAsync(HttpContext context, Http.ProblemType type, string detail)
    {
        context.Response.StatusCode = type.Status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails { Type = type.Uri, Title = type.Title, Status = type.Status, Detail = detail },
        });
    }
}
