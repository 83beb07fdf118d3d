using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Deployments;

/// <summary>The seeds' routes: upgrade check, upgrade, rollback (delegated to <see cref="IDeploymentOperations"/>)
/// and the operation mode (real: the store's transition table, history and audit; containers via
/// <see cref="IOperationModeLifecycle"/>).</summary>
internal static class DeploymentsApi
{
    private const string Scoped = "/api/environments/{environmentId}/deployments/{deploymentId}";

    public static IEndpointRouteBuilder MapDeploymentsApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup(Scoped).WithTags("Upgrade and rollback").RequireAuthorization(Policies.Viewer);
        read.MapGet("/upgrade/check", CheckUpgradeAsync).ScopedBy("environmentId", "deploymentId");
        read.MapGet("/rollback", RollbackInfoAsync).ScopedBy("environmentId", "deploymentId");

        var operate = app.MapGroup(Scoped).WithTags("Upgrade and rollback").RequireAuthorization(Policies.Operator);
        operate.MapPost("/upgrade", UpgradeAsync).ScopedBy("environmentId", "deploymentId");
        operate.MapPost("/rollback", RollbackAsync).ScopedBy("environmentId", "deploymentId");

        var modes = app.MapGroup("/api/deployments/{id}").WithTags("Operation modes");
        modes.MapPut("/operation-mode", ChangeModeAsync).RequireAuthorization(Policies.Operator).ScopedBy(deployment: "id");
        modes.MapGet("/operation-mode/history", ModeHistoryAsync).RequireAuthorization(Policies.Viewer).ScopedBy(deployment: "id");
        return app;
    }

    private static async Task<DeploymentRecord?> FindAsync(TidegateStore store, string environmentId, string deploymentId, CancellationToken ct)
        => await store.Deployments.GetAsync(deploymentId, ct) is { } d && d.EnvironmentId == environmentId ? d : null;

    private static async Task<Results<Ok<UpgradeCheckResponse>, ProblemHttpResult>> CheckUpgradeAsync(
        string environmentId, string deploymentId, TidegateStore store, IDeploymentOperations operations, CancellationToken ct)
        => await FindAsync(store, environmentId, deploymentId, ct) is { } d
            ? TypedResults.Ok(await operations.CheckUpgradeAsync(d, ct))
            : Problems.NotFound("Deployment", deploymentId);

    private static async Task<Results<Accepted<OperationStartedResponse>, ValidationProblem, ProblemHttpResult>> UpgradeAsync(
        string environmentId, string deploymentId, UpgradeRequest request, ClaimsPrincipal user, TidegateStore store,
        IDeploymentOperations operations, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.StackId))
        {
            return Problems.Invalid("stackId", "stackId is required (source:product:stack).");
        }
        if (await FindAsync(store, environmentId, deploymentId, ct) is not { } d)
        {
            return Problems.NotFound("Deployment", deploymentId);
        }
        var started = await operations.StartUpgradeAsync(d, request, user.ActorName(), ct);
        return TypedResults.Accepted($"/api/operations/{started.OperationId}", started);
    }

    private static async Task<Results<Ok<RollbackInfoResponse>, ProblemHttpResult>> RollbackInfoAsync(
        string environmentId, string deploymentId, TidegateStore store, IDeploymentOperations operations, CancellationToken ct)
        => await FindAsync(store, environmentId, deploymentId, ct) is { } d
            ? TypedResults.Ok(await operations.GetRollbackInfoAsync(d, ct))
            : Problems.NotFound("Deployment", deploymentId);

    private static async Task<Results<Accepted<OperationStartedResponse>, ProblemHttpResult>> RollbackAsync(
        string environmentId, string deploymentId, RollbackRequest? request, ClaimsPrincipal user, TidegateStore store,
        IDeploymentOperations operations, CancellationToken ct)
    {
        if (await FindAsync(store, environmentId, deploymentId, ct) is not { } d)
        {
            return Problems.NotFound("Deployment", deploymentId);
        }
        var started = await operations.StartRollbackAsync(d, request ?? new RollbackRequest(null), user.ActorName(), ct);
        return TypedResults.Accepted($"/api/operations/{started.OperationId}", started);
    }

    private static async Task<Results<Ok<OperationModeResponse>, ValidationProblem, ProblemHttpResult>> ChangeModeAsync(
        string id, OperationModeRequest request, ClaimsPrincipal user, TidegateStore store, IOperationModeLifecycle lifecycle,
        Progress.IProgressPublisher progress, CancellationToken ct)
    {
        if (!Enum.TryParse<OperationMode>(request.NewMode, ignoreCase: false, out var mode) || !Enum.IsDefined(mode) || int.TryParse(request.NewMode, out _))
        {
            return Problems.Invalid("newMode", $"newMode must be one of {string.Join(", ", Enum.GetNames<OperationMode>())}.");
        }
        if (request.Reason is { Length: > 500 })
        {
            return Problems.Invalid("reason", "reason must have at most 500 characters.");
        }
        if (await store.Deployments.GetAsync(id, ct) is not { } deployment)
        {
            return Problems.NotFound("Deployment", id);
        }
        // An illegal transition throws IllegalModeTransitionException: 409 naming the allowed targets.
        var change = await store.OperationModes.ChangeAsync(id, mode, request.Reason, user.ActorName(), ct);
        if (change is null)
        {
            return Problems.NotFound("Deployment", id);
        }
        await lifecycle.ApplyAsync(deployment, change, ct);
        await progress.PublishModeChangedAsync(change, ct);
        return TypedResults.Ok(new OperationModeResponse(id, change.From.ToString(), change.To.ToString(), change.Reason, change.ChangedBy, change.At,
            [.. OperationModeTransitions.AllowedFrom(change.To).Select(m => m.ToString())]));
    }

    private static async Task<Results<Ok<Paged<ModeChangeResponse>>, ValidationProblem, ProblemHttpResult>> ModeHistoryAsync(
        string id, [AsParameters] PageRequest paging, TidegateStore store, CancellationToken ct)
    {
        if (paging.Validate() is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        if (await store.Deployments.GetAsync(id, ct) is null)
        {
            return Problems.NotFound("Deployment", id);
        }
        var history = await store.OperationModes.HistoryAsync(id, paging.ToPage(), ct);
        return TypedResults.Ok(Paged<ModeChangeResponse>.From(history,
            c => new ModeChangeResponse(c.Id, c.From.ToString(), c.To.ToString(), c.Reason, c.ChangedBy, c.At)));
    }
}
