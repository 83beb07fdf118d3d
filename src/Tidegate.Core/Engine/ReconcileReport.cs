using Tidegate.Core.Store;

namespace Tidegate.Core.Engine;

/// <summary>What the reconciler did with one interrupted operation, in words an operator can act on.</summary>
internal sealed record ReconciledOperation(string OperationId, string? Project, OperationKind Kind, string? InterruptedAt, OperationStatus Result, string What);

/// <summary>An interrupted operation that could not be settled in this pass; the reconciler tries again later. Its
/// deployment's lock stays with the reconciler meanwhile (unless <see cref="Why"/> names another operation holding it).</summary>
internal sealed record UnsettledOperation(string OperationId, string? Project, string? EnvironmentId, string Why);

internal sealed record ReconcileReport(IReadOnlyList<ReconciledOperation> Operations, IReadOnlyList<DriftFinding> Drift, IReadOnlyList<UnsettledOperation> Unsettled);
