namespace Tidegate.Server.Health;

internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        // Liveness: answers as long as the process serves HTTP. No authentication, by design.
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }))
            .AllowAnonymous()
            .WithName("Healthz");
        return app;
    }
}
