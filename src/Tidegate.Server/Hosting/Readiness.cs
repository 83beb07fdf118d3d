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

internal sealed class StoreReadinessCheck(StoreHolder holder) : IReadinessCheck
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
            return new ReadinessResult(Name, false, ex.Message);
        }
    }
}

internal static class ReadinessApi
{
    public static IEndpointRouteBuilder MapReadiness(this IEndpointRouteBuilder app)
    {
        app.MapGet("/readyz", async (IEnumerable<IReadinessCheck> checks, CancellationToken ct) =>
        {
            var results = await Task.WhenAll(checks.Select(c => c.CheckAsync(ct)));
            var body = new { status = results.All(r => r.Ready) ? "ready" : "not ready", checks = results };
            return results.All(r => r.Ready)
                ? Results.Ok(body)
                : Results.Json(body, statusCode: ProblemTypes.Unavailable.Status);
        }).AllowAnonymous().WithTags("Health").WithName("Readyz");
        return app;
    }
}
