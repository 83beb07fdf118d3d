namespace Tidegate.Server.Deployments;

// The seeds' request and response shapes (seed 000 "Stack Upgrade & Rollback", seed 001 "Wartungsmodus"),
// property names exactly as in the seed JSON (camelCase on the wire).

/// <summary>GET .../upgrade/check.</summary>
internal sealed record UpgradeCheckResponse(
    bool Success,
    bool UpgradeAvailable,
    string? CurrentVersion,
    string? LatestVersion,
    string? LatestStackId,
    IReadOnlyList<string> NewVariables,
    IReadOnlyList<string> RemovedVariables,
    bool CanUpgrade,
    string? CannotUpgradeReason,
    IReadOnlyList<NewerVersionDto> NewerVersions);

/// <summary>Beyond the seed: every newer version of the stack with its release notes link, newest first.</summary>
internal sealed record NewerVersionDto(string Version, string StackId, string? ReleaseNotesUrl);

/// <summary>POST .../upgrade.</summary>
internal sealed record UpgradeRequest(string? StackId, IReadOnlyDictionary<string, string>? Variables, string? SessionId, string? Version = null,
    string? Strategy = null)
{
    public override string ToString() => $"UpgradeRequest {{ StackId = {StackId}, Version = {Version}, Variables = [{Variables?.Count ?? 0}], SessionId = {SessionId} }}";
}

/// <summary>GET .../rollback.</summary>
internal sealed record RollbackInfoResponse(bool CanRollback, string? RollbackTargetVersion, string? SnapshotDescription, DateTimeOffset? SnapshotCreatedAt,
    int? RollbackTargetRevision);

/// <summary>POST .../rollback.</summary>
internal sealed record RollbackRequest(string? SessionId, int? ToRevision = null, string? Reason = null);

/// <summary>The answer to starting an upgrade or rollback: the operation to follow (hub or SSE).</summary>
internal sealed record OperationStartedResponse(string OperationId, string? SessionId, string EventsUrl);

/// <summary>PUT /api/deployments/{id}/operation-mode.</summary>
/// <summary>PUT /api/deployments/{id}/operation-mode. <see cref="Override"/> (admins only) ends a maintenance an observer started.</summary>
internal sealed record OperationModeRequest(string? NewMode, string? Reason, bool? Override = null, string? SessionId = null);

/// <summary>The recorded change; the containers follow in operation <see cref="OperationId"/> (progress at <see cref="EventsUrl"/>).</summary>
internal sealed record OperationModeResponse(string DeploymentId, string PreviousMode, string NewMode, string? Reason, string ChangedBy,
    DateTimeOffset ChangedAt, IReadOnlyList<string> AllowedNextModes, string? OperationId = null, string? EventsUrl = null);

internal sealed record ModeChangeResponse(string Id, string From, string To, string? Reason, string ChangedBy, DateTimeOffset At);
