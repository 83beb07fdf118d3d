using Tidegate.Core.Edge;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;

namespace Tidegate.Core.Deployments;

/// <summary>The edge follows containers that operations other than the edge strategies change: a recreate deploy,
/// upgrade or rollback of a stack with x-tidegate.edge entries, and start/restart/mode changes (a container started again
/// gets a new loopback port).</summary>
internal sealed partial class DeploymentService
{
    /// <summary>The recreate flow (<see cref="DeployExecutor"/>); with edge entries the entry services also publish their
    /// port on 127.0.0.1, and once the new revision is healthy — before the commit — its entries are declared and the
    /// backends switched to it. An edge that refuses (a listen address another deployment holds, a configuration HAProxy
    /// rejects, HAProxy missing) fails the operation and the automatic rollback restores the old revision, whose entries and
    /// servers the edge then follows again.</summary>
    private async Task<(OperationStatus Status, string? Error)> RecreateAsync(OperationJournal j, IDockerEngine docker, DeployExecutor executor, DeployWork work)
    {
        var deployment = work.Deployment;
        if (_strategies is null || !_strategies.Edge.Options.Enabled)
        {
            return await executor.RunAsync(j, work);
        }

        var entries = Strategies.RolloutSettings.From(work.Stack).Settings.EdgeEntries(deployment.EnvironmentId, deployment.Name);
        var before = _strategies.Edge.EntriesOf(deployment.EnvironmentId, deployment.Name);
        if (entries.Count == 0 && before.Count == 0)
        {
            return await executor.RunAsync(j, work);
        }

        var switched = false;
        var result = await executor.RunAsync(j, work with
        {
            LoopbackPorts = Strategies.RolloutStrategies.LoopbackPorts(work.Stack),
            BeforeCommit = async (journal, revision) =>
            {
                switched = true;
                await EdgeSwitchAsync(journal, docker, deployment, entries, revision);
            },
        });
        if (result.Status == OperationStatus.Succeeded)
        {
            // A color parked by an earlier blue-green rollout was retired and removed with the rest of the old revision.
            _strategies.Rollouts.Unpark(deployment.Id);
            return result;
        }

        // Rolled back: the entries the deployment had before, pointing at the containers that run again.
        return executor.TouchedRunningVersion || switched
            ? WithWarning(result, await EdgeFollowAsync(j, docker, deployment, before))
            : result;
    }

    /// <summary>Puts revision <paramref name="revision"/> behind the edge: declares its entries (HAProxy checks the new
    /// configuration before it replaces the running one) and points the backends at its containers. Part of the operation:
    /// a failure is a <see cref="DeploymentFailedException"/>, so the executor restores the old revision.</summary>
    private async Task EdgeSwitchAsync(OperationJournal j, IDockerEngine docker, DeploymentRecord deployment, IReadOnlyList<EdgeEntry> entries, int revision)
    {
        try
        {
            await j.ProgressAsync("edge", $"putting revision {revision} behind the edge", j.Percent);
            await j.StepAsync("edge-sync", new { revision, entries = entries.Select(e => e.Listen) }, async ct =>
            {
                await _strategies!.Edge.EnsureEntriesAsync(deployment.EnvironmentId, deployment.Name, entries, ct);
                await _strategies.SyncAsync(docker, deployment.EnvironmentId, deployment.Id, deployment.Name, revision, ct);
            });
        }
        catch (Exception ex) when (ex is not LeaseLostException && (ex is not OperationCanceledException || !j.Stopping.IsCancellationRequested))
        {
            throw new DeploymentFailedException($"The edge could not serve revision {revision}: {ex.Message}");
        }
    }

    /// <summary>Declares <paramref name="declare"/> (when given) and points the deployment's backends at the running
    /// containers of its current revision. Best effort after the containers changed (start, restart, a mode change back to
    /// Normal, the restore after a failed rollout): the containers run, and the edge is synchronised again at the next
    /// start. Returns the warning for the operation's result, or null.</summary>
    private async Task<string?> EdgeFollowAsync(OperationJournal j, IDockerEngine docker, DeploymentRecord deployment, IReadOnlyList<EdgeEntry>? declare = null)
    {
        if (_strategies is null || !_strategies.Edge.Options.Enabled
            || (declare is null && _strategies.Edge.EntriesOf(deployment.EnvironmentId, deployment.Name).Count == 0))
        {
            return null;
        }

        try
        {
            await j.StepAsync("edge-sync", declare is null ? null : new { entries = declare.Select(e => e.Listen) }, async ct =>
            {
                if (declare is not null)
                {
                    await _strategies.Edge.EnsureEntriesAsync(deployment.EnvironmentId, deployment.Name, declare, ct);
                }

                var current = (await store.Deployments.GetAsync(deployment.Id, ct))?.CurrentRevision;
                await _strategies.SyncAsync(docker, deployment.EnvironmentId, deployment.Id, deployment.Name, current, ct);
            });
            return null;
        }
        catch (Exception ex) when (ex is not LeaseLostException && (ex is not OperationCanceledException || !j.Stopping.IsCancellationRequested))
        {
            var warning = $"the edge could not be updated ({ex.Message}); it is synchronised again at the next start";
            await j.ProgressAsync("edge", warning, j.Percent);
            return warning;
        }
    }

    /// <summary>An operation's result with the warning of a best-effort edge step: the status stays, the warning is in the
    /// error field ("warning: ..." for a Succeeded operation), where the API, the CLI and the UI show it.</summary>
    private static (OperationStatus Status, string? Error) WithWarning((OperationStatus Status, string? Error) result, string? warning) =>
        warning is null ? result
        : result.Error is null ? (result.Status, "warning: " + warning)
        : (result.Status, $"{result.Error} Warning: {warning}");
}
