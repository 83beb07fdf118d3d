using Tidegate.Core.Store;

namespace Tidegate.Core.Engine;

/// <summary>One progress event of an operation (the seeds' progress fields). Percent is 0–100.</summary>
internal sealed record OperationProgress(
    string? SessionId, string OperationId, string? DeploymentId, string Phase, string? Message, int PercentComplete,
    string? CurrentService, int? ServicesTotal, int? ServicesCompleted, OperationStatus Status);

/// <summary>The one way progress leaves the engine. The default appends to the store; the server decorates
/// it to push to the hub and SSE.</summary>
internal interface IOperationProgressSink
{
    Task PublishAsync(OperationProgress progress, CancellationToken ct);

    /// <summary>The engine changed a deployment's operation mode (Migrating during an upgrade, back to Normal or to Failed).
    /// The mode and its history are already stored; the server pushes the change to the hub.</summary>
    Task ModeChangedAsync(ModeChange change, CancellationToken ct) => Task.CompletedTask;
}

internal sealed class StoreProgressSink(TidegateStore store) : IOperationProgressSink
{
    public async Task PublishAsync(OperationProgress progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var kind = progress.Status switch
        {
            OperationStatus.Succeeded => ProgressEventKind.Completed,
            OperationStatus.Failed or OperationStatus.RolledBack or OperationStatus.Cancelled => ProgressEventKind.Failed,
            _ => ProgressEventKind.Progress,
        };
        await store.ProgressEvents.AppendAsync(new NewProgressEvent(
            progress.OperationId, progress.DeploymentId, progress.SessionId, kind, progress.Phase, progress.Message,
            progress.PercentComplete, progress.CurrentService, progress.ServicesTotal, progress.ServicesCompleted, progress.Status.ToString()), ct);
        await store.Operations.ReportProgressAsync(progress.OperationId, progress.Phase, progress.PercentComplete, ct);
    }
}
