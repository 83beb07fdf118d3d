using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Operations;

internal sealed record OperationResponse(string Id, string? DeploymentId, string? DeploymentName, string Kind, string Status, string? Phase, int Percent,
    string RequestedBy, string? SessionId, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error)
{
    public static OperationResponse From(OperationRecord o) => new(o.Id, o.DeploymentId, o.DeploymentName, o.Kind.ToString(), o.Status.ToString(),
        o.Phase, o.Percent, o.RequestedBy, o.SessionId, o.CreatedAt, o.StartedAt, o.FinishedAt, o.Error);
}

internal sealed record StepResponse(int Seq, string Name, string Status, string? Detail, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt);

internal sealed record OperationDetailResponse(OperationResponse Operation, IReadOnlyList<StepResponse> Steps);

internal sealed record OperationFilter(string? DeploymentId, string? Status, int? Limit, int? Offset);

internal static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/operations").WithTags("Operations").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListAsync);
        // Scoped tokens may follow operations of their own deployment (checked in the handler).
        group.MapGet("/{operationId}", GetAsync).AllowAnyTokenScope();
        group.MapGet("/{operationId}/events", OperationEventStream.StreamAsync).AllowAnyTokenScope()
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    private static async Task<Results<Ok<Paged<OperationResponse>>, ValidationProblem>> ListAsync(
        [AsParameters] OperationFilter filter, TidegateStore store, CancellationToken ct)
    {
        var paging = new PageRequest(filter.Limit, filter.Offset);
        var errors = paging.Validate();
        OperationStatus? status = null;
        if (filter.Status is { } text)
        {
            if (Enum.TryParse<OperationStatus>(text, ignoreCase: true, out var parsed) && !int.TryParse(text, out _))
            {
                status = parsed;
            }
            else
            {
                errors.Add("status", $"status must be one of {string.Join(", ", Enum.GetNames<OperationStatus>())}.");
            }
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        return TypedResults.Ok(Paged<OperationResponse>.From(await store.Operations.ListAsync(filter.DeploymentId, status, paging.ToPage(), ct), OperationResponse.From));
    }

    private static async Task<Results<Ok<OperationDetailResponse>, ProblemHttpResult>> GetAsync(
        string operationId, ClaimsPrincipal user, TidegateStore store, CancellationToken ct)
    {
        if (await FindVisibleAsync(operationId, user, store, ct) is not { } operation)
        {
            return Problems.NotFound("Operation", operationId);
        }
        var steps = await store.Operations.ListStepsAsync(operationId, ct);
        return TypedResults.Ok(new OperationDetailResponse(OperationResponse.From(operation),
            [.. steps.Select(s => new StepResponse(s.Seq, s.Name, s.Status.ToString(), s.Detail, s.StartedAt, s.FinishedAt))]));
    }

    /// <summary>The operation, or null when it does not exist or lies outside a scoped token's scope.</summary>
    public static async Task<OperationRecord?> FindVisibleAsync(string operationId, ClaimsPrincipal user, TidegateStore store, CancellationToken ct)
    {
        var operation = await store.Operations.GetAsync(operationId, ct);
        if (operation is null || !user.IsScoped())
        {
            return operation;
        }
        if (operation.DeploymentId is not { } deploymentId)
        {
            return null;
        }
        if (user.FindFirstValue(TidegateClaims.ScopeDeployment) is { } scopeDeployment)
        {
            return scopeDeployment == deploymentId ? operation : null;
        }
        var deployment = await store.Deployments.GetAsync(deploymentId, ct);
        return deployment?.EnvironmentId == user.FindFirstValue(TidegateClaims.ScopeEnvironment) ? operation : null;
    }
}
