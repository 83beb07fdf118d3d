using Tidegate.Core.Deployments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Server.Deployments;

/// <summary>POST /api/environments/{environmentId}/deployments. <see cref="Version"/> null: the latest stable version.</summary>
internal sealed record DeployBody(string? Name, string? StackId, string? Version, IReadOnlyDictionary<string, string>? Variables, string? SessionId)
{
    public override string ToString() => $"DeployBody {{ Name = {Name}, StackId = {StackId}, Version = {Version}, Variables = [{Variables?.Count ?? 0}] }}";
}

/// <summary>The answer to any state-changing deployment call: the operation to follow.</summary>
internal sealed record OperationAcceptedResponse(string OperationId, string DeploymentId, string EventsUrl)
{
    public static OperationAcceptedResponse From(OperationStartResult.Started s) => new(s.OperationId, s.DeploymentId, $"/api/operations/{s.OperationId}/events");
}

internal sealed record DeploymentSummary(string Id, string EnvironmentId, string Name, string StackId, string ProductId, string Version, string Mode,
    int? CurrentRevision, int? LastSuccessfulRevision, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static DeploymentSummary From(DeploymentRecord d) => new(d.Id, d.EnvironmentId, d.Name, d.StackId, d.ProductId, d.Version, d.Mode.ToString(),
        d.CurrentRevision, d.LastSuccessfulRevision, d.CreatedAt, d.UpdatedAt);
}

internal sealed record ContainerStatusDto(string Id, string Name, int? Revision, string State, string? Health, string Verdict, int RestartCount,
    string Image, string? ImageDigest, IReadOnlyList<string> Ports);

internal sealed record ServiceStatusDto(string Name, string Health, IReadOnlyList<ContainerStatusDto> Containers);

internal sealed record VariableDto(string Name, string Value, bool Secret);

/// <summary>GET /api/deployments/{id}: the record, its variables (secrets masked) and what really runs.
/// <see cref="StatusError"/> is set when the environment's engine could not be read. <see cref="Health"/> is read in mode
/// context ("Maintenance" when the app is stopped by maintenance); <see cref="AvailableActions"/> are those the current mode allows.</summary>
internal sealed record DeploymentDetail(DeploymentSummary Deployment, string Health, string? RunningOperationId, IReadOnlyList<ServiceStatusDto> Services,
    IReadOnlyList<VariableDto> Variables, string? StatusError, IReadOnlyList<string> AvailableActions)
{
    public static DeploymentDetail From(DeploymentRecord d, DeploymentStatus? status, IReadOnlyList<VariableValue> variables, string? error) => new(
        DeploymentSummary.From(d), status?.Health.ToString() ?? "Unknown", status?.RunningOperationId,
        status?.Services.Select(s => new ServiceStatusDto(s.Name, s.Health.ToString(), [.. s.Containers.Select(c => new ContainerStatusDto(
            c.Id, c.Name, c.Revision, c.State, c.Health, c.Verdict.ToString(), c.RestartCount, c.Image, c.ImageDigest, c.Ports))])).ToList() ?? [],
        [.. variables.Select(v => new VariableDto(v.Name, v.IsSecret ? Masked.Value : v.Value, v.IsSecret))], error,
        DeploymentActions.For(d.Mode, d.CurrentRevision is not null, status?.RunningOperationId is not null));
}

/// <summary>What a deployment offers in its mode (the UI shows these buttons). While an operation runs nothing is offered.</summary>
internal static class DeploymentActions
{
    public static IReadOnlyList<string> For(OperationMode mode, bool deployed, bool busy)
    {
        if (busy)
        {
            return [];
        }
        IReadOnlyList<string> actions = mode switch
        {
            OperationMode.Normal => ["upgrade", "rollback", "start", "stop", "restart", "redeploy", "remove", "enterMaintenance", "stopMode"],
            OperationMode.Maintenance => ["upgrade", "rollback", "redeploy", "remove", "exitMaintenance", "stopMode"],
            OperationMode.Failed => ["upgrade", "rollback", "start", "stop", "restart", "redeploy", "remove", "resume", "stopMode"],
            OperationMode.Stopped => ["upgrade", "remove", "resume"],
            _ => [],
        };
        // Without a deployed revision there is nothing to upgrade, roll back, start or redeploy; the mode can still change.
        return deployed ? actions : [.. actions.Where(a => a is "remove" or "enterMaintenance" or "exitMaintenance" or "stopMode" or "resume")];
    }
}

internal sealed record DeploymentListFilter(string? EnvironmentId, int? Limit, int? Offset);

/// <summary>Optional body of start/stop/restart/redeploy.</summary>
internal sealed record OperationBody(string? Reason, string? SessionId);
