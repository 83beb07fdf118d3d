using System.Text.Json;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Core.Engine;

/// <summary>A failure the operation reports as its outcome (pull failed, unhealthy service, …), as opposed to a bug.</summary>
internal sealed class DeploymentFailedException(string message) : Exception(message);

/// <summary>Journals each step before it acts and after it ends, and publishes progress, for one operation.
/// When the engine's stopping token fires the step is left unfinished on purpose: that is exactly what a crash
/// leaves, and the reconciler handles both the same way.</summary>
internal sealed class OperationJournal(
    TidegateStore store, IOperationProgressSink sink, OperationRecord operation, EngineOptions options, CancellationToken stopping) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // The reconciler reads these details back (container ids, names, revision numbers Tidegate generated): masking by
    // value could change an id that merely contains a short secret, so they are written as they are.
    private static readonly HashSet<string> ReadBack = new([DeployExecutor.RevisionStep, DeployExecutor.RetireStep], StringComparer.Ordinal);

    // Parallel service starts write to the journal at once; queueing them here is much faster than letting
    // SQLite's busy handler back off and retry (it sleeps in growing steps).
    private readonly SemaphoreSlim _writes = new(1, 1);

    public OperationRecord Operation => operation;

    public CancellationToken Stopping => stopping;

    /// <summary>Set for operations that can be cancelled by a user (deploy, redeploy, upgrade) while they prepare.</summary>
    public OperationCancellationHandle? Cancel { get; init; }

    /// <summary>The operation's secret values: masked in every progress message and step error this journal writes.</summary>
    public SecretValues Secrets { get; init; } = SecretValues.None;

    /// <summary>The operation's deployment lock; every step checks it before it acts. Null for the reconciler's own journal.</summary>
    public OperationLease? Lease { get; init; }

    public string Phase { get; private set; } = "starting";

    public int Percent { get; private set; }

    public async Task<T> StepAsync<T>(string name, object? detail, Func<CancellationToken, Task<T>> action)
    {
        stopping.ThrowIfCancellationRequested();
        ThrowIfLeaseLost($"step {name}");
        var step = await WriteAsync(() => store.Operations.BeginStepAsync(operation.Id, name, SerializeMasked(name, detail), CancellationToken.None));
        try
        {
            if (options.KillAtStep is { } killAt && string.Equals(killAt, $"{operation.Kind}:{name}", StringComparison.OrdinalIgnoreCase))
            {
                // Engine:KillAtStep (crash tests): the step is journaled as begun and nothing after it runs.
                System.Diagnostics.Process.GetCurrentProcess().Kill();
            }

            if (options.BeforeStep is { } hook)
            {
                await hook(name, stopping);
            }

            var result = await action(stopping);
            await WriteAsync(() => store.Operations.EndStepAsync(operation.Id, step.Seq, StepStatus.Succeeded, null, CancellationToken.None));
            return result;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            await WriteAsync(() => store.Operations.EndStepAsync(operation.Id, step.Seq, StepStatus.Failed, SerializeMasked(name, new { detail, error = Secrets.Mask(ex.Message) }), CancellationToken.None));
            throw;
        }
    }

    public Task StepAsync(string name, object? detail, Func<CancellationToken, Task> action) =>
        StepAsync<bool>(name, detail, async ct =>
        {
            await action(ct);
            return true;
        });

    public Task ProgressAsync(string phase, string? message, int percent, string? service = null, int? total = null, int? completed = null,
        OperationStatus status = OperationStatus.Running)
    {
        Phase = phase;
        Cancel?.SetPhase(phase);
        Percent = Math.Clamp(percent, 0, 100);
        var progress = new OperationProgress(operation.SessionId, operation.Id, operation.DeploymentId, phase, Secrets.MaskOrNull(message), Percent,
            service, total, completed, status);
        return WriteAsync(async () =>
        {
            await sink.PublishAsync(progress, CancellationToken.None);
            return true;
        });
    }

    /// <summary>Stops the operation (<see cref="LeaseLostException"/>) when its deployment lock is lost; for actions that are not steps.</summary>
    public void ThrowIfLeaseLost(string before) => Lease?.ThrowIfLost(before);

    public void Dispose() => _writes.Dispose();

    private async Task<T> WriteAsync<T>(Func<Task<T>> write)
    {
        await _writes.WaitAsync(CancellationToken.None);
        try
        {
            return await write();
        }
        finally
        {
            _writes.Release();
        }
    }

    public static string? Serialize(object? detail) => detail is null ? null : JsonSerializer.Serialize(detail, Json);

    /// <summary>The detail as JSON with the operation's secret values masked in every string value (never in property
    /// names, so the structure stays readable), except for the details the reconciler reads back.</summary>
    private string? SerializeMasked(string step, object? detail)
    {
        if (detail is null || Secrets.IsEmpty || ReadBack.Contains(step))
        {
            return Serialize(detail);
        }

        return Secrets.MaskStrings(JsonSerializer.SerializeToNode(detail, Json))?.ToJsonString(Json);
    }

    public static T? Deserialize<T>(string? json) => json is null ? default : JsonSerializer.Deserialize<T>(json, Json);
}
