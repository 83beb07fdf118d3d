using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Tidegate.Core.Store;
using Tidegate.Core.Validation;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Tokens;

/// <summary>A token as listed: never the token, only its first characters to recognise it.</summary>
internal sealed record TokenResponse(string Id, string UserId, string Name, string Prefix, string? ScopeEnvironmentId, string? ScopeDeploymentId,
    DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, bool Active)
{
    public static TokenResponse From(ApiTokenRecord t, DateTimeOffset now) => new(t.Id, t.UserId, t.Name, t.Prefix + "…",
        t.ScopeEnvironmentId, t.ScopeDeploymentId, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt, t.IsActive(now));
}

/// <summary>The answer to creating a token: the only time <see cref="Token"/> is shown.</summary>
internal sealed record CreatedTokenResponse(string Id, string Name, string Prefix, string Token, DateTimeOffset? ExpiresAt,
    string? ScopeEnvironmentId, string? ScopeDeploymentId)
{
    public static CreatedTokenResponse From(IssuedApiToken issued) => new(issued.Record.Id, issued.Record.Name, issued.Record.Prefix + "…",
        issued.Token, issued.Record.ExpiresAt, issued.Record.ScopeEnvironmentId, issued.Record.ScopeDeploymentId);

    public override string ToString() => $"CreatedTokenResponse {{ Id = {Id}, Name = {Name}, Prefix = {Prefix} }}";
}

internal sealed record CreateTokenRequest(string? Name, DateTimeOffset? ExpiresAt, int? ExpiresInDays, string? ScopeEnvironmentId, string? ScopeDeploymentId);

internal sealed record TokenListFilter(bool? All, int? Limit, int? Offset);

internal static class TokensApi
{
    public static IEndpointRouteBuilder MapTokensApi(this IEndpointRouteBuilder app)
    {
        // Every user manages their own tokens; only an admin sees and revokes those of others.
        var group = app.MapGroup("/api/tokens").WithTags("API tokens").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync);
        group.MapDelete("/{tokenId}", RevokeAsync);
        return app;
    }

    private static async Task<Results<Ok<Paged<TokenResponse>>, ValidationProblem>> ListAsync(
        [AsParameters] TokenListFilter filter, ClaimsPrincipal user, TidegateStore store, TimeProvider time, CancellationToken ct)
    {
        var paging = new PageRequest(filter.Limit, filter.Offset);
        if (paging.Validate() is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        var userId = filter.All == true && user.IsAdmin() ? null : user.UserIdOf();
        var now = time.GetUtcNow();
        return TypedResults.Ok(Paged<TokenResponse>.From(await store.ApiTokens.ListAsync(userId, paging.ToPage(), ct), t => TokenResponse.From(t, now)));
    }

    private static async Task<Results<Created<CreatedTokenResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateTokenRequest request, ClaimsPrincipal user, TidegateStore store, TimeProvider time, IOptions<ServerOptions> options, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var maxLifetime = options.Value.Security.MaxTokenLifetime;
        var maxDays = (int)maxLifetime.TotalDays;
        var errors = new FieldErrors().Name("name", request.Name, Names.MaxNameLength);
        if (request.ExpiresAt is not null && request.ExpiresInDays is not null)
        {
            errors.Add("expiresAt", "Set expiresAt or expiresInDays, not both.");
        }
        if (request.ExpiresAt is { } at && at <= now)
        {
            errors.Add("expiresAt", "expiresAt must be in the future.");
        }
        if (request.ExpiresAt is { } late && late > now + maxLifetime)
        {
            errors.Add("expiresAt", $"expiresAt must be at most {maxDays} days from now (Security:MaxTokenLifetime).");
        }
        if (request.ExpiresInDays is { } days && (days < 1 || days > maxDays))
        {
            errors.Add("expiresInDays", $"expiresInDays must be between 1 and {maxDays} (Security:MaxTokenLifetime).");
        }
        if (request.ScopeEnvironmentId is not null && request.ScopeDeploymentId is not null)
        {
            errors.Add("scopeDeploymentId", "Scope a token to one environment or one deployment, not both.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        if (request.ScopeEnvironmentId is { } env && await store.Environments.GetAsync(env, ct) is null)
        {
            return Problems.NotFound("Environment", env);
        }
        if (request.ScopeDeploymentId is { } dep && await store.Deployments.GetAsync(dep, ct) is null)
        {
            return Problems.NotFound("Deployment", dep);
        }
        // A scoped token cannot mint a token wider than itself.
        if (user.IsScoped())
        {
            return Problems.Forbidden("A scoped token cannot create tokens.");
        }
        // Without an expiry a token lives as long as the server allows, never forever.
        var expires = request.ExpiresAt ?? (request.ExpiresInDays is { } inDays ? now.AddDays(inDays) : now + maxLifetime);
        var issued = await store.ApiTokens.IssueAsync(
            new NewApiToken(user.UserIdOf()!, request.Name!.Trim(), expires, request.ScopeEnvironmentId, request.ScopeDeploymentId), ct);
        return TypedResults.Created($"/api/tokens/{issued.Record.Id}", CreatedTokenResponse.From(issued));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        string tokenId, ClaimsPrincipal user, TidegateStore store, CancellationToken ct)
    {
        var token = await store.ApiTokens.GetAsync(tokenId, ct);
        // Someone else's token is reported as missing to a non-admin, so ids of others are not confirmed.
        if (token is null || (token.UserId != user.UserIdOf() && !user.IsAdmin()))
        {
            return Problems.NotFound("Token", tokenId);
        }
        await store.ApiTokens.RevokeAsync(tokenId, ct);
        return TypedResults.NoContent();
    }
}
