using Tidegate.Core.Store;

namespace Tidegate.Server.Progress;

/// <summary>What the engine reports while an operation runs (the seeds' progress fields).</summary>
internal sealed record ProgressUpdate(
    string OperationId,
    string? DeploymentId,
    string? SessionId,
    string Phase,
    string? Message,
    int? PercentComplete = null,
    string? CurrentService = null,
    int? ServicesTotal = null,
    int? ServicesCompleted = null,
    string? Status = null,
    ProgressEventKind Kind = ProgressEventKind.Progress);

/// <summary>An event as sent on the hub and over SSE. <see cref="Id"/> is global and increasing: it is the
/// SSE event id and lets a client drop duplicates.</summary>
internal sealed record ProgressEventMessage(
    long Id,
    string Kind,
    string? SessionId,
    string OperationId,
    string? DeploymentId,
    string? Phase,
    string? Message,
    int? PercentComplete,
    string? CurrentService,
    int? ServicesTotal,
    int? ServicesCompleted,
    string? Status,
    DateTimeOffset At)
{
    public static ProgressEventMessage From(ProgressEvent e) => new(e.Id, e.Kind.ToString().ToLowerInvariant(), e.SessionId, e.OperationId,
        e.DeploymentId, e.Phase, e.Message, e.Percent, e.CurrentService, e.ServicesTotal, e.ServicesCompleted, e.Status, e.At);

    public bool IsTerminal => Kind is "completed" or "failed";
}

internal sealed record ModeChangedMessage(string DeploymentId, string From, string To, string? Reason, string ChangedBy, DateTimeOffset At);

/// <summary>An observer's status as pushed on the hub (<c>ObserverStatus</c>) and the deployment's SSE stream; the shape of
/// GET /api/deployments/{id}/observer.</summary>
internal sealed record ObserverStatusMessage(
    string DeploymentId, bool Configured, string? Type, string? Source, IReadOnlyDictionary<string, string?> Settings, double? PollingIntervalSeconds,
    string? LastValue, DateTimeOffset? LastPolledAt, string Health, string? Error, string? ObservedMode, string? Owner, int? StablePolls,
    int? AgreeingPolls, string? LastAction, string? ErrorCode = null);

/// <summary>Names of the hub's client callbacks (documented in docs/api.md).</summary>
internal static class HubMethods
{
    public const string Progress = "DeploymentProgress";
    public const string Completed = "DeploymentCompleted";
    public const string Failed = "DeploymentFailed";
    public const string ModeChanged = "OperationModeChanged";
    public const string ObserverStatus = "ObserverStatus";

    public static string For(ProgressEventKind kind) => kind switch
    {
        ProgressEventKind.Completed => Completed,
        ProgressEventKind.Failed => Failed,
        _ => Progress,
    };
}

/// <summary>Seam the engine calls: store the event (so late subscribers can replay it) and push it live
/// to hub subscribers (by session, operation and deployment) and SSE streams.</summary>
internal interface IProgressPublisher
{
    Task<ProgressEventMessage> PublishAsync(ProgressUpdate update, CancellationToken ct);

    Task PublishModeChangedAsync(ModeChange change, CancellationToken ct);

    /// <summary>Pushes an observer's status to the deployment's hub group and SSE streams (not stored).</summary>
    Task PublishObserverStatusAsync(ObserverStatusMessage status, CancellationToken ct);
}
