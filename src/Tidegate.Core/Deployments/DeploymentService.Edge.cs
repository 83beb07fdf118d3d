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
    /// port on 127.0.0.1, the entries are declared, and the backends are switched to the revision that runs afterwards.</summary>
    private async Task<(OperationStatus Status, string? Error)> RecreateAsync(OperationJournal j, IDockerEngine docker, DeployExecutor executor, DeployWork work)
    {
        var entries = _strategies is null || !_strategies.Edge.Options.Enabled ? []
            : Strategies.RolloutSettings.From(work.Stack.Extension).Settings.EdgeEntries(work.Deployment.Name);
        if (entries.Count == 0)
        {
            return await executor.RunAsync(j, work);
        }

        var result = await executor.RunAsync(j, work with { LoopbackPorts = Strategies.RolloutStrategies.LoopbackPorts(work.Stack) });
        // The new revision's entries are declared only when it runs; after an automatic rollback the existing entries (if
        // any) follow the restored containers.
        if (result.Status == OperationStatus.Succeeded)
        {
            // A color parked by an earlier blue-green rollout was retired and removed with the rest of the old revision.
            _strategies!.Rollouts.Unpark(work.Deployment.Id);
            await EdgeFollowAsync(j, docker, work.Deployment.Id, work.Deployment.Name, entries);
        }
        else if (executor.TouchedRunningVersion)
        {
            await EdgeFollowAsync(j, docker, work.Deployment.Id, work.Deployment.Name);
        }

        return result;
    }

    /// <summary>Declares <paramref name="declare"/> (when given) and points the deployment's backends at the running
    /// containers of its current revision. A failure is reported as progress, not as the operation's failure: the containers
    /// run, and the edge is synchronised again at the next start.</summary>
    private async Task EdgeFollowAsync(OperationJournal j, IDockerEngine docker, string deploymentId, string project, IReadOnlyList<EdgeEntry>? declare = null)
    {
        if (_strategies is null || !_strategies.Edge.Options.Enabled || (declare is null && _strategies.Edge.EntriesOf(project).Count == 0))
        {
            return;
        }

        try
        {
            await j.StepAsync("edge-sync", declare is null ? null : new { entries = declare.Select(e => e.Listen) }, async ct =>
            {
                if (declare is not null)
                {
                    await _strategies.Edge.EnsureEntriesAsync(project, declare, ct);
                }

                var current = (await store.Deployments.GetAsync(deploymentId, ct))?.CurrentRevision;
                await _strategies.SyncAsync(docker, deploymentId, project, current, ct);
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !j.Stopping.IsCancellationRequested)
        {
            // Whatever the edge or the engine says (port taken, HAProxy missing, daemon gone), the operation's outcome is
            // what the containers did: this must not turn a committed revision into a failure.
            await j.ProgressAsync("edge", $"the edge could not be updated ({ex.Message}); it is synchronised again at the next start", j.Percent);
        }
    }
}
