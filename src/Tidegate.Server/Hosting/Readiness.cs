using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Hosting;

internal sealed record ReadinessResult(string Name, bool Ready, string? Detail);

/// <summary>One dependency /readyz asks. The engine adds its own (the default Docker endpoint answers) by
/// registering another IReadinessCheck.</summary>
internal interface IReadinessCheck
{
    string Name { get; }

    Task<ReadinessResult> CheckAsync(CancellationToken ct);
}

internal sealed class StoreReadinessCheck(StoreHolder holder, ILogger<StoreReadinessCheck> logger) : IReadinessCheck
{
    public string Name => "store";

    public async Task<ReadinessResult> CheckAsync(CancellationToken ct)
    {
        try
        {
            await holder.Store.Users.CountAsync(null, ct);
            return new ReadinessResult(Name, true, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception text may name paths and SQL: it goes to the log, not to the answer.
            Log.ReadinessFailed(logger, ex, Name);
            return new ReadinessResult(Name, false, "The store did not answer; see the server log.");
        }
    }
}

/// <summary>GET /readyz. Everyone learns ready or not; the checks, with the Docker endpoint and Docker's own error text, are
/// for admins signed in without a scope. Anonymous probes, viewers, operators and deployment-scoped (CI) tokens have no use
/// for where the engine lives or why it fails.</summary>
internal static class ReadinessApi
{
    public static IEndpointRouteBuilder MapReadiness(this IEndpointRouteBuilder app)
    {
        app.MapGet("/readyz", async (HttpContext context, IEnumerable<IReadinessCheck> checks, CancellationToken ct) =>
        {
            var results = await Task.WhenAll(checks.Select(c => c.CheckAsync(ct)));
            var ready = results.All(r => r.Ready);
            var status = ready ? "ready" : "not ready";
            object body = MaySeeChecks(context.User) ? new { status, checks = results } : new { status };
            return ready ? Results.Ok(body) : Results.Json(body, statusCode: ProblemTypes.Unavailable.Status);
        }).AllowAnonymous().WithTags("Health").WithName("Readyz");
        return app;
    }

    private static bool MaySeeChecks(System.Security.Claims.ClaimsPrincipal user)
        => user.Identity?.IsAuthenticated == true && user.IsAdmin() && !user.IsScoped();
}
