using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Operations;

internal sealed record CancelAcceptedResponse(string OperationId, string Status, string? Phase, string RequestedBy, string EventsUrl);

/// <summary>POST /api/operations/{operationId}/cancel: 202 when the operation was still before its point of no return
/// (it then ends as Cancelled with nothing of the running version touched), 409 with a <c>reason</c> otherwise.</summary>
internal static class OperationCancelApi
{
    public const string ReasonFinished = "finished";
    public const string ReasonPastPointOfNoReturn = "past-point-of-no-return";
    public const string ReasonNotCancellable = "not-cancellable";

    public static IEndpointRouteBuilder MapOperationCancelApi(this IEndpointRouteBuilder app)
    {
        // Scoped tokens may cancel operations of their own deployment (checked in the handler, as for GET).
        app.MapPost("/api/operations/{operationId}/cancel", CancelAsync).WithTags("Operations").RequireAuthorization(Policies.Operator).AllowAnyTokenScope();
        return app;
    }

    private static async Task<Results<Accepted<CancelAcceptedResponse>, ProblemHttpResult>> CancelAsync(
        string operationId, ClaimsPrincipal user, TidegateStore store, OperationCancellation cancellations, CancellationToken ct)
    {
        if (await OperationsApi.FindVisibleAsync(operationId, user, store, ct) is not { } operation)
        {
            return Problems.NotFound("Operation", operationId);
        }
        if (OperationStatusTransitions.IsTerminal(operation.Status))
        {
            return Refused(ReasonFinished, operation, $"Operation {operationId} already finished ({operation.Status}); there is nothing to cancel.");
        }
        var actor = user.ActorName();
        return cancellations.RequestCancel(operationId, actor) switch
        {
            CancelRequestResult.Requested r => Accepted(operation, r.Phase, actor),
            CancelRequestResult.AlreadyRequested r => Accepted(operation, operation.Phase, r.RequestedBy),
            CancelRequestResult.PastPointOfNoReturn p => Refused(ReasonPastPointOfNoReturn, operation,
                $"Operation {operationId} is past its point of no return ({p.Reason}); stopping it now could leave neither version running. " +
                "Wait for it to finish, then roll back if needed."),
            CancelRequestResult.NotCancellable => Refused(ReasonNotCancellable, operation,
                $"Operation {operationId} ({operation.Kind}, phase {operation.Phase ?? "none"}) cannot be cancelled: only a deploy, redeploy or upgrade " +
                "can be, and only while it prepares (pulling images) before anything of the running version is touched."),
            var other => throw new InvalidOperationException($"Unexpected cancel answer {other}."),
        };
    }

    private static Accepted<CancelAcceptedResponse> Accepted(OperationRecord operation, string? phase, string requestedBy)
        => TypedResults.Accepted($"/api/operations/{operation.Id}",
            new CancelAcceptedResponse(operation.Id, "CancelRequested", phase, requestedBy, $"/api/operations/{operation.Id}/events"));

    private static ProblemHttpResult Refused(string reason, OperationRecord operation, string detail) => Problems.Of(ProblemTypes.Conflict, detail,
        new Dictionary<string, object?> { ["reason"] = reason, ["operationId"] = operation.Id, ["status"] = operation.Status.ToString(), ["phase"] = operation.Phase });
}
