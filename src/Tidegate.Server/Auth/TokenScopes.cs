using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Tidegate.Core.Store;
using Tidegate.Server.Http;

namespace Tidegate.Server.Auth;

/// <summary>Endpoint metadata: which route values carry the environment and deployment a scoped token is
/// checked against. An endpoint without it refuses scoped tokens (deny by default).</summary>
internal sealed record TokenScopeMetadata(string? EnvironmentRouteValue, string? DeploymentRouteValue, bool AnyScope = false);

internal static class TokenScopeExtensions
{
    /// <summary>Scoped tokens may call this endpoint when the route's ids match their scope.</summary>
    public static TBuilder ScopedBy<TBuilder>(this TBuilder builder, string? environment = null, string? deployment = null)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new TokenScopeMetadata(environment, deployment));

    /// <summary>Scoped tokens may call this endpoint whatever their scope (e.g. "who am I").</summary>
    public static TBuilder AllowAnyTokenScope<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new TokenScopeMetadata(null, null, AnyScope: true));
}

/// <summary>Runs after authorization. Enforces token scopes, and antiforgery for cookie-authenticated
/// unsafe requests (bearer requests carry no ambient credential, so they are exempt).</summary>
internal sealed class RequestGuardMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, TidegateStore store, IAntiforgery antiforgery)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            var anonymous = context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null;
            if (user.IsScoped() && !anonymous && !await IsWithinScopeAsync(context, user, store))
            {
                await AuthProblems.WriteAsync(context, ProblemTypes.Forbidden, "This API token is scoped to another environment or deployment.");
                return;
            }
            // Anonymous endpoints (login) need no token: there is no session yet to ride on.
            if (!anonymous && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
                && user.Identity.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme
                && !context.Request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase))
            {
                await antiforgery.ValidateRequestAsync(context);
            }
        }
        await next(context);
    }

    private static async Task<bool> IsWithinScopeAsync(HttpContext context, ClaimsPrincipal user, TidegateStore store)
    {
        var metadata = context.GetEndpoint()?.Metadata.GetMetadata<TokenScopeMetadata>();
        if (metadata is null)
        {
            return false;
        }
        if (metadata.AnyScope)
        {
            return true;
        }
        var scopeEnvironment = user.FindFirstValue(TidegateClaims.ScopeEnvironment);
        var scopeDeployment = user.FindFirstValue(TidegateClaims.ScopeDeployment);
        var routeEnvironment = metadata.EnvironmentRouteValue is { } e ? context.Request.RouteValues[e] as string : null;
        var routeDeployment = metadata.DeploymentRouteValue is { } d ? context.Request.RouteValues[d] as string : null;

        if (scopeDeployment is not null)
        {
            // A deployment-scoped token only reaches routes that name its deployment (and, when the route
            // names an environment too, the deployment's own environment).
            if (!string.Equals(routeDeployment, scopeDeployment, StringComparison.Ordinal))
            {
                return false;
            }
            if (routeEnvironment is not null)
            {
                var deployment = await store.Deployments.GetAsync(scopeDeployment, context.RequestAborted);
                if (deployment is null || deployment.EnvironmentId != routeEnvironment)
                {
                    return false;
                }
            }
        }
        if (scopeEnvironment is not null)
        {
            if (routeEnvironment is not null)
            {
                return string.Equals(routeEnvironment, scopeEnvironment, StringComparison.Ordinal);
            }
            if (routeDeployment is null)
            {
                return false;
            }
            var deployment = await store.Deployments.GetAsync(routeDeployment, context.RequestAborted);
            return deployment is not null && deployment.EnvironmentId == scopeEnvironment;
        }
        return true;
    }
}
