using System.Collections.Frozen;

namespace Tidegate.Core.Store;

internal enum OperationKind
{
    Deploy,
    Redeploy,
    Upgrade,
    Rollback,
    Start,
    Stop,
    Restart,
    Remove,
    ModeChange,
}

internal enum OperationStatus
{
    Pending,
    Running,
    Succeeded,
    Failed,
    RolledBack,
    Cancelled,
    Interrupted,
}

/// <summary>The operation status state machine: from → allowed targets. Interrupted is what the
/// reconciler marks after a crash; it then resumes the operation or drives it to an end.</summary>
internal static class OperationStatusTransitions
{
    public static FrozenDictionary<OperationStatus, OperationStatus[]> Table { get; } = new Dictionary<OperationStatus, OperationStatus[]>
    {
        [OperationStatus.Pending] = [OperationStatus.Running, OperationStatus.Cancelled, OperationStatus.Failed, OperationStatus.Interrupted],
        [OperationStatus.Running] =
            [OperationStatus.Succeeded, OperationStatus.Failed, OperationStatus.RolledBack, OperationStatus.Cancelled, OperationStatus.Interrupted],
        [OperationStatus.Interrupted] = [OperationStatus.Running, OperationStatus.Succeeded, OperationStatus.Failed, OperationStatus.RolledBack],
        [OperationStatus.Succeeded] = [],
        [OperationStatus.Failed] = [],
        [OperationStatus.RolledBack] = [],
        [OperationStatus.Cancelled] = [],
    }.ToFrozenDictionary();

    public static bool IsTerminal(OperationStatus status) => Table[status].Length == 0;

    public static bool IsAllowed(OperationStatus from, OperationStatus to) => Table[from].Contains(to);

    public static void EnsureAllowed(string operationId, OperationStatus from, OperationStatus to)
    {
        if (!IsAllowed(from, to))
        {
            throw new IllegalOperationTransitionException(operationId, from, to, Table[from]);
        }
    }
}

internal sealed class IllegalOperationTransitionException(
    string operationId, OperationStatus from, OperationStatus to, IReadOnlyList<OperationStatus> allowed)
    : InvalidOperationException(
        $"Operation {operationId} cannot change from {from} to {to}. Allowed from {from}: " +
        (allowed.Count == 0 ? "none (final status)" : string.Join(", ", allowed)) + ".")
{
    public string OperationId { get; } = operationId;

    public OperationStatus From { get; } = from;

    public OperationStatus To { get; } = to;

    public IReadOnlyList<OperationStatus> Allowed { get; } = allowed;
}

/// <summary>DeploymentName is kept so a Remove operation still names its deployment after the row is gone.</summary>
internal sealed record NewOperation(
    string? DeploymentId, string? DeploymentName, OperationKind Kind, string RequestedBy, string? SessionId = null);

internal sealed record OperationRecord(
    string Id, string? DeploymentId, string? DeploymentName, OperationKind Kind, OperationStatus Status, string? Phase, int Percent,
    string RequestedBy, string? SessionId, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error);

internal enum StepStatus
{
    Running,
    Succeeded,
    Failed,
    Skipped,
}

/// <summary>A journaled step. A step with status Running and no FinishedAt began but never ended:
/// that is where a crash happened.</summary>
internal sealed record OperationStep(
    string OperationId, int Seq, string Name, StepStatus Status, string? Detail, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt);
