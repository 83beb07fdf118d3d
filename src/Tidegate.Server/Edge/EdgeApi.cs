using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Edge;
using Tidegate.Core.Store;
using Tidegate.Core.Strategies;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Edge;

/// <summary>202 answer of promote and abort.</summary>
internal sealed record RolloutActionResponse(string DeploymentId, string OperationId, string Action);

/// <summary>Rollout status and control, and the edge's status (docs/api.md, "Rollouts and the edge").</summary>
internal static class EdgeApi
{
    public static IEndpointRouteBuilder MapEdgeApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/edge").WithTags("Edge").RequireAuthorization(Policies.Viewer).MapGet(string.Empty, StatusAsync);

        var rollout = app.MapGroup("/api/deployments/{id}/rollout").WithTags("Rollouts");
        rollout.MapGet(string.Empty, GetAsync).RequireAuthorization(Policies.Viewer).ScopedBy(deployment: "id");
        rollout.MapPost("/promote", (string id, TidegateStore store, RolloutStrategies strategies, CancellationToken ct) =>
            ActAsync(id, "promote", store, strategies, run => run.Promote(), ct)).RequireAuthorization(Policies.Operator).ScopedBy(deployment: "id");
        rollout.MapPost("/abort", (string id, TidegateStore store, RolloutStrategies strategies, CancellationToken ct) =>
            ActAsync(id, "abort", store, strategies, run => run.Abort("aborted through the API"), ct)).RequireAuthorization(Policies.Operator).ScopedBy(deployment: "id");
        return app;
    }

    private static async Task<Ok<EdgeStatus>> StatusAsync(HaproxyEdge edge, CancellationToken ct) => TypedResults.Ok(await edge.StatusAsync(ct));

    private static async Task<Results<Ok<RolloutView>, ProblemHttpResult>> GetAsync(string id, TidegateStore store, RolloutStrategies strategies, CancellationToken ct)
    {
        if (await store.Deployments.GetAsync(id, ct) is null)
        {
            return Problems.NotFound("Deployment", id);
        }

        return await strategies.ViewAsync(store, id, ct) is { } view
            ? TypedResults.Ok(view)
            : Problems.Of(ProblemTypes.NotFound, $"No rollout is running for deployment '{id}'.");
    }

    private static async Task<Results<Accepted<RolloutActionResponse>, ProblemHttpResult>> ActAsync(
        string id, string action, TidegateStore store, RolloutStrategies strategies, Action<RolloutRun> act, CancellationToken ct)
    {
        if (await store.Deployments.GetAsync(id, ct) is null)
        {
            return Problems.NotFound("Deployment", id);
        }

        if (strategies.Rollouts.Get(id) is not { } run)
        {
            return Problems.Of(ProblemTypes.NotFound, $"No rollout is running for deployment '{id}'.");
        }

        act(run);
        return TypedResults.Accepted($"/api/deployments/{id}/rollout", new RolloutActionResponse(id, run.OperationId, action));
    }
}
