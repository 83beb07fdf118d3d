using NuGet.Versioning;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Catalog;
using Tidegate.Core.Deployments;
using Tidegate.Core.Store;
using Tidegate.Core.Validation;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Deployments;

/// <summary>Deployments: list, status, deploy, start/stop/restart/redeploy and remove (the engine's
/// <see cref="DeploymentService"/>); the seeds' routes: upgrade check, upgrade and rollback
/// and the operation mode (the store's transition table, history and audit; the containers follow in a mode-change operation
/// of <see cref="DeploymentService.ChangeModeAsync"/>).</summary>
internal static class DeploymentsApi
{
    private const int MaxSessionIdLength = 100;

    private const string Scoped = "/api/environments/{environmentId}/deployments/{deploymentId}";

    public static IEndpointRouteBuilder MapDeploymentsApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup(Scoped).WithTags("Upgrade and rollback").RequireAuthorization(Policies.Viewer);
        read.MapGet("/upgrade/check", CheckUpgradeAsync).ScopedBy("environmentId", "deploymentId");
        read.MapGet("/rollback", RollbackInfoAsync).ScopedBy("environmentId", "deploymentId");

        var operate = app.MapGroup(Scoped).WithTags("Upgrade and rollback").RequireAuthorization(Policies.Operator);
        operate.MapPost("/upgrade", UpgradeAsync).ScopedBy("environmentId", "deploymentId");
        operate.MapPost("/rollback", RollbackAsync).ScopedBy("environmentId", "deploymentId");

        var reads = app.MapGroup("/api/deployments").WithTags("Deployments").RequireAuthorization(Policies.Viewer);
        reads.MapGet("/", ListAsync);
        reads.MapGet("/{id}", GetAsync).ScopedBy(deployment: "id");

        var lifecycle = app.MapGroup("/api/deployments/{id}").WithTags("Deployments").RequireAuthorization(Policies.Operator);
        lifecycle.MapPost("/start", (string id, OperationBody? body, ClaimsPrincipal user, DeploymentService engine, CancellationToken ct)
            => Run(body, user, request => engine.StartAsync(id, request, ct))).ScopedBy(deployment: "id");
        lifecycle.MapPost("/stop", (string id, OperationBody? body, ClaimsPrincipal user, DeploymentService engine, CancellationToken ct)
            => Run(body, user, request => engine.StopAsync(id, request, ct))).ScopedBy(deployment: "id");
        lifecycle.MapPost("/restart", (string id, OperationBody? body, ClaimsPrincipal user, DeploymentService engine, CancellationToken ct)
            => Run(body, user, request => engine.RestartAsync(id, request, ct))).ScopedBy(deployment: "id");
        lifecycle.MapPost("/redeploy", (string id, OperationBody? body, ClaimsPrincipal user, DeploymentService engine, CancellationToken ct)
            => Run(body, user, request => engine.RedeployAsync(id, request, ct))).ScopedBy(deployment: "id");
        lifecycle.MapDelete(string.Empty, (string id, bool? removeVolumes, ClaimsPrincipal user, DeploymentService engine, CancellationToken ct)
            => Answer(engine.RemoveAsync(id, removeVolumes ?? false, Request(user, null), ct))).ScopedBy(deployment: "id");

        app.MapGroup("/api/environments/{environmentId}/deployments").WithTags("Deployments").RequireAuthorization(Policies.Operator)
            .MapPost("/", DeployAsync);

        var modes = app.MapGroup("/api/deployments/{id}").WithTags("Operation modes");
        modes.MapPut("/operation-mode", ChangeModeAsync).RequireAuthorization(Policies.Operator).ScopedBy(deployment: "id");
        modes.MapGet("/operation-mode/history", ModeHistoryAsync).RequireAuthorization(Policies.Viewer).ScopedBy(deployment: "id");
        modes.MapGet("/events", Progress.DeploymentEventStream.StreamAsync).RequireAuthorization(Policies.Viewer).ScopedBy(deployment: "id")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    private static async Task<DeploymentRecord?> FindAsync(TidegateStore store, string environmentId, string deploymentId, CancellationToken ct)
        => await store.Deployments.GetAsync(deploymentId, ct) is { } d && d.EnvironmentId == environmentId ? d : null;

    private static async Task<Results<Ok<UpgradeCheckResponse>, ProblemHttpResult>> CheckUpgradeAsync(
        string environmentId, string deploymentId, TidegateStore store, StackCatalog catalog, DeploymentService engine, CancellationToken ct)
    {
        if (await FindAsync(store, environmentId, deploymentId, ct) is not { } d)
        {
            return Problems.NotFound("Deployment", deploymentId);
        }
        var check = await engine.CheckUpgradeAsync(d, catalog, ct);
        return TypedResults.Ok(new UpgradeCheckResponse(check.Success, check.UpgradeAvailable, check.CurrentVersion, check.LatestVersion, check.LatestStackId,
            check.NewVariables, check.RemovedVariables, check.CanUpgrade, check.CannotUpgradeReason,
            [.. check.NewerVersions.Select(v => new NewerVersionDto(v.Version, v.StackId, v.ReleaseNotesUrl))]));
    }

    /// <summary>The seed's upgrade: stackId names the stack (source:product:stack); the target is its newest version in the
    /// deployment's channel unless <c>version</c> picks one; <c>strategy</c> overrides the stack's (blue-green, canary and rolling need the edge).</summary>
    private static async Task<Results<Accepted<OperationStartedResponse>, ValidationProblem, ProblemHttpResult>> UpgradeAsync(
        string environmentId, string deploymentId, UpgradeRequest request, ClaimsPrincipal user, TidegateStore store,
        StackCatalog catalog, DeploymentService engine, CancellationToken ct)
    {
        var errors = Validate(null, request.SessionId).Required("stackId", request.StackId).VariableNames("variables", request.Variables);
        if (request.StackId is { Length: > 0 } && !StackId.TryParse(request.StackId, out _))
        {
            errors.Add("stackId", "stackId must be source:product:stack.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        if (await FindAsync(store, environmentId, deploymentId, ct) is not { } d)
        {
            return Problems.NotFound("Deployment", deploymentId);
        }
        SemanticVersion? current = CatalogVersions.TryParse(d.Version, out var parsed) ? parsed : null;
        var version = request.Version is { Length: > 0 } wanted
            ? catalog.FindVersion(request.StackId!, wanted)
            : catalog.GetLatest(request.StackId!, includePrerelease: current?.IsPrerelease ?? false);
        if (version is null || version.IsBroken)
        {
            return catalog.FindStack(request.StackId!) is null
                ? Problems.Of(ProblemTypes.NotFound, $"{UpgradeReasons.ProductNotFound}: stack {request.StackId} is not in the catalog (is its source still configured?).")
                : Problems.NotFound("Version of stack " + request.StackId, request.Version ?? "latest");
        }
        if (version.StackId.ProductKey != d.ProductId)
        {
            return Problems.Invalid("stackId", $"{request.StackId} belongs to product {version.StackId.ProductKey}, the deployment to {d.ProductId}; an upgrade stays within its product.");
        }
        if (current is not null && CatalogVersions.Precedence.Compare(version.Version, current) <= 0)
        {
            return Problems.Of(ProblemTypes.Conflict, $"{UpgradeReasons.NoNewerVersion}: {version.VersionText} is not newer than {d.Version}; use rollback to go back.");
        }
        var source = new StackSource(await File.ReadAllTextAsync(version.FullPath, ct), version.FullPath, version.SourceRoot);
        var result = await engine.UpgradeAsync(new UpgradeWorkRequest(d.Id, version.StackId.ToString(), version.StackId.ProductKey, version.VersionText!, source,
            request.Variables ?? new Dictionary<string, string>(), user.ActorName(), request.SessionId, request.Strategy), ct);
        return Started(result, request.SessionId);
    }

    private static async Task<Results<Ok<RollbackInfoResponse>, ProblemHttpResult>> RollbackInfoAsync(
        string environmentId, string deploymentId, TidegateStore store, DeploymentService engine, CancellationToken ct)
    {
        if (await FindAsync(store, environmentId, deploymentId, ct) is not { } d)
        {
            return Problems.NotFound("Deployment", deploymentId);
        }
        var info = await engine.GetRollbackInfoAsync(d, ct);
        return TypedResults.Ok(new RollbackInfoResponse(info.CanRollback, info.RollbackTargetVersion, info.SnapshotDescription, info.SnapshotCreatedAt, info.TargetRevision));
    }

    private static async Task<Results<Accepted<OperationStartedResponse>, ValidationProblem, ProblemHttpResult>> RollbackAsync(
        string environmentId, string deploymentId, RollbackRequest? request, ClaimsPrincipal user, TidegateStore store,
        DeploymentService engine, CancellationToken ct)
    {
        var errors = Validate(request?.Reason, request?.SessionId);
        if (request?.ToRevision is < 1)
        {
            errors.Add("toRevision", "toRevision must be a revision number (1 or more).");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        if (await FindAsync(store, environmentId, deploymentId, ct) is not { } d)
        {
            return Problems.NotFound("Deployment", deploymentId);
        }
        var result = await engine.RollbackAsync(d.Id, request?.ToRevision, new OperationRequest(user.ActorName(), request?.Reason, request?.SessionId), ct);
        return Started(result, request?.SessionId);
    }

    private static Results<Accepted<OperationStartedResponse>, ValidationProblem, ProblemHttpResult> Started(OperationStartResult result, string? sessionId)
        => result switch
        {
            OperationStartResult.Started s => TypedResults.Accepted($"/api/operations/{s.OperationId}",
                new OperationStartedResponse(s.OperationId, sessionId, $"/api/operations/{s.OperationId}/events")),
            OperationStartResult.Invalid i => Problems.Invalid(new Dictionary<string, string[]>(i.Errors), $"The request was rejected: {i.Reason}; nothing changed."),
            OperationStartResult.NotAllowed n => Problems.Of(ProblemTypes.Conflict, n.Reason),
            OperationStartResult.Refused r => Problems.Of(ProblemTypes.Conflict, $"Operation {r.RunningOperationId} is running on this deployment; wait for it to finish.",
                new Dictionary<string, object?> { ["runningOperationId"] = r.RunningOperationId }),
            OperationStartResult.NotFound n => Problems.Of(ProblemTypes.NotFound, $"Not found: {n.What}."),
            OperationStartResult.Rejected r => Problems.Invalid(new Dictionary<string, string[]> { ["stack"] = [.. r.Errors] }, $"The request was rejected: {r.Reason}."),
            var other => throw new InvalidOperationException($"Unexpected engine answer {other}."),
        };

    /// <summary>Records the change and starts the container lifecycle as an operation: 200 with the change and the operation
    /// to follow (the containers may still be stopping or starting); 409 for an illegal transition, a running operation or a
    /// maintenance owned by an observer (unless an admin overrides, which is audited).</summary>
    private static async Task<Results<Ok<OperationModeResponse>, ValidationProblem, ProblemHttpResult>> ChangeModeAsync(
        string id, OperationModeRequest request, ClaimsPrincipal user, TidegateStore store, DeploymentService engine, HttpContext http, CancellationToken ct)
    {
        if (!Enum.TryParse<OperationMode>(request.NewMode, ignoreCase: false, out var mode) || !Enum.IsDefined(mode) || int.TryParse(request.NewMode, out _))
        {
            return Problems.Invalid("newMode", $"newMode must be one of {string.Join(", ", Enum.GetNames<OperationMode>())}.");
        }
        if (Validate(request.Reason, request.SessionId) is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        if (request.Override == true && !user.IsAdmin())
        {
            return Problems.Forbidden("override: true ends a maintenance an observer started and is for admins only.");
        }
        // An illegal transition throws IllegalModeTransitionException: 409 naming the allowed targets.
        var result = await engine.ChangeModeAsync(id, new ModeChangeRequest(mode, request.Reason, user.ActorName(), request.SessionId, request.Override == true), ct);
        switch (result)
        {
            case ModeChangeResult.Started s:
                if (request.Override == true)
                {
                    await store.AuditLog.AppendAsync(new NewAuditEntry(user.ActorName(), "operation-mode.override", $"id={id}", AuditResult.Succeeded,
                        request.Reason, http.Connection.RemoteIpAddress?.ToString(), $"{s.Change.From} → {s.Change.To}, operation {s.OperationId}"), ct);
                }
                var change = s.Change;
                return TypedResults.Ok(new OperationModeResponse(id, change.From.ToString(), change.To.ToString(), change.Reason, change.ChangedBy, change.At,
                    [.. OperationModeTransitions.AllowedFrom(change.To).Select(m => m.ToString())], s.OperationId, $"/api/operations/{s.OperationId}/events"));
            case ModeChangeResult.Refused r:
                return Problems.Of(ProblemTypes.Conflict, $"Operation {r.RunningOperationId} is running on this deployment; wait for it to finish.",
                    new Dictionary<string, object?> { ["runningOperationId"] = r.RunningOperationId });
            case ModeChangeResult.NotOwner n:
                return Problems.Of(ProblemTypes.Conflict, n.Detail, new Dictionary<string, object?> { ["owner"] = n.Owner });
            default:
                return Problems.NotFound("Deployment", id);
        }
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

    private static async Task<Results<Ok<Paged<DeploymentSummary>>, ValidationProblem>> ListAsync(
        [AsParameters] DeploymentListFilter filter, TidegateStore store, CancellationToken ct)
    {
        var paging = new PageRequest(filter.Limit, filter.Offset);
        return paging.Validate() is { Any: true } errors
            ? errors.ToProblem()
            : TypedResults.Ok(Paged<DeploymentSummary>.From(await store.Deployments.ListAsync(filter.EnvironmentId, paging.ToPage(), ct), DeploymentSummary.From));
    }

    private static async Task<Results<Ok<DeploymentDetail>, ProblemHttpResult>> GetAsync(
        string id, TidegateStore store, DeploymentService engine, CancellationToken ct)
    {
        if (await store.Deployments.GetAsync(id, ct) is not { } deployment)
        {
            return Problems.NotFound("Deployment", id);
        }
        DeploymentStatus? status = null;
        string? error = null;
        try
        {
            status = await engine.GetStatusAsync(id, ct);
        }
        catch (Exception ex) when (ex is Docker.DockerUnreachableException or Docker.DockerApiException or HttpRequestException or IOException)
        {
            // The record is still worth showing when the engine does not answer.
            error = ex.Message;
        }
        return TypedResults.Ok(DeploymentDetail.From(deployment, status, await store.Deployments.ListVariablesAsync(id, ct), error));
    }

    private static async Task<Results<Accepted<OperationAcceptedResponse>, ValidationProblem, ProblemHttpResult>> DeployAsync(
        string environmentId, DeployBody body, ClaimsPrincipal user, TidegateStore store, StackCatalog catalog, DeploymentService engine, CancellationToken ct)
    {
        var errors = Validate(null, body.SessionId).Name("name", body.Name, Names.MaxDeploymentNameLength).Required("stackId", body.StackId)
            .VariableNames("variables", body.Variables);
        if (!errors.Has("name") && Names.CheckDeploymentName("name", body.Name!.Trim()) is { } nameError)
        {
            errors.Add("name", nameError);
        }
        if (body.StackId is { Length: > 0 } && !StackId.TryParse(body.StackId, out _))
        {
            errors.Add("stackId", "stackId must be source:product:stack.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        if (await store.Environments.GetAsync(environmentId, ct) is null)
        {
            return Problems.NotFound("Environment", environmentId);
        }
        var version = body.Version is { Length: > 0 } wanted ? catalog.FindVersion(body.StackId!, wanted) : catalog.GetLatest(body.StackId!, includePrerelease: false);
        if (version is null || version.IsBroken)
        {
            return catalog.FindStack(body.StackId!) is null
                ? Problems.NotFound("Stack", body.StackId!)
                : Problems.NotFound("Version of stack " + body.StackId, body.Version ?? "latest");
        }
        var source = new StackSource(await File.ReadAllTextAsync(version.FullPath, ct), version.FullPath, version.SourceRoot);
        var variables = (body.Variables ?? new Dictionary<string, string>()).Select(v => new VariableValue(v.Key, v.Value, false)).ToList();
        var request = new DeployRequest(environmentId, body.Name!.Trim(), version.StackId.ToString(), version.StackId.ProductKey, version.VersionText!,
            source, variables, user.ActorName(), SessionId: body.SessionId);
        return await Answer(engine.DeployAsync(request, ct));
    }

    private static OperationRequest Request(ClaimsPrincipal user, OperationBody? body) => new(user.ActorName(), body?.Reason, body?.SessionId);

    private static FieldErrors Validate(string? reason, string? sessionId)
        => new FieldErrors().Text("reason", reason).Text("sessionId", sessionId, MaxSessionIdLength);

    /// <summary>A lifecycle operation: the body's reason and session id checked, then the engine's answer.</summary>
    private static async Task<Results<Accepted<OperationAcceptedResponse>, ValidationProblem, ProblemHttpResult>> Run(
        OperationBody? body, ClaimsPrincipal user, Func<OperationRequest, Task<OperationStartResult>> start)
        => Validate(body?.Reason, body?.SessionId) is { Any: true } errors ? errors.ToProblem() : await Answer(start(Request(user, body)));

    /// <summary>The engine's typed answer as HTTP: 202 + operation, 409 naming the running operation, 400, 404.</summary>
    private static async Task<Results<Accepted<OperationAcceptedResponse>, ValidationProblem, ProblemHttpResult>> Answer(Task<OperationStartResult> call)
        => await call switch
        {
            OperationStartResult.Started s => TypedResults.Accepted($"/api/operations/{s.OperationId}", OperationAcceptedResponse.From(s)),
            OperationStartResult.Refused r => Problems.Of(ProblemTypes.Conflict, $"Operation {r.RunningOperationId} is running on this deployment; wait for it to finish.",
                new Dictionary<string, object?> { ["runningOperationId"] = r.RunningOperationId }),
            OperationStartResult.Rejected r => Problems.Invalid(r.Errors
                .GroupBy(e => r.Reason == "invalid deployment name" || r.Reason == "duplicate deployment" ? "name"
                    : e.Contains("variable", StringComparison.OrdinalIgnoreCase) ? "variables" : "stack")
                .ToDictionary(g => g.Key, g => g.ToArray()), $"The request was rejected: {r.Reason}."),
            OperationStartResult.NotFound n => Problems.Of(ProblemTypes.NotFound, $"Not found: {n.What}."),
            var other => throw new InvalidOperationException($"Unexpected engine answer {other}."),
        };
}
