using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Variables;
using Tidegate.Core.Deployments;
using Tidegate.Core.Environments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Engine;

/// <summary>Compares the journal and the store with the containers that really exist. Interrupted operations are driven
/// to a consistent end, decided from the journal: a revision the commit recorded is finished (its retired containers
/// removed), a restore that began is finished, a deploy whose new containers all run healthy is committed, otherwise the
/// previous revision is restored from its kept containers; start/stop/remove are completed. Each environment is settled
/// on its own: an engine that cannot be reached leaves only its own operations unsettled (their locks held), and
/// <see cref="KeepSettlingAsync"/> tries again until every one is settled. Drift made outside Tidegate is reported.</summary>
internal sealed class Reconciler(
    TidegateStore store, IDockerEngineFactory engines, IOperationProgressSink progress, EngineOptions options, TimeProvider time)
{
    /// <summary>Operations whose lock this reconciler took over and has not settled yet → the step each was interrupted at
    /// (kept from the first pass: later passes journal steps of their own).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> _claimed = new(StringComparer.Ordinal);

    /// <param name="atStartup">At startup no other instance can be using this store (SQLite is single-instance), so every
    /// lock not held by this instance belongs to a dead process. Otherwise, only expired leases count as dead.</param>
    /// <param name="isRunningHere">Operations this process runs right now; they are left alone.</param>
    public async Task<ReconcileReport> ReconcileAsync(bool atStartup, Func<string, bool>? isRunningHere, CancellationToken ct)
    {
        var (operations, unsettled) = await SettleAsync(atStartup, isRunningHere, ct);
        return new ReconcileReport(operations, await new DriftCheck(store, engines, options).FindAsync(ct), unsettled);
    }

    /// <summary>Passes of <see cref="ReconcileAsync"/> without drift, until <paramref name="ct"/> fires: while something is
    /// unsettled the pause grows from <see cref="EngineOptions.ReconcileRetry"/> up to a third of the lock lease (so the
    /// claimed locks never expire), otherwise it is <see cref="EngineOptions.ReconcileInterval"/> (operations that lost
    /// their lease, or whose holder died elsewhere, are picked up then).</summary>
    public async Task KeepSettlingAsync(Func<string, bool>? isRunningHere, Action<ReconcileReport> onPass, Action<Exception> onFailure, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(onPass);
        ArgumentNullException.ThrowIfNull(onFailure);
        var longest = options.LockLease / 3;
        var first = options.ReconcileRetry < longest ? options.ReconcileRetry : longest;
        var retry = first;
        var pause = _claimed.IsEmpty ? options.ReconcileInterval : retry;
        try
        {
            while (true)
            {
                await Task.Delay(pause, time, ct);
                var unsettled = true;
                try
                {
                    var (operations, left) = await SettleAsync(atStartup: false, isRunningHere, ct);
                    onPass(new ReconcileReport(operations, [], left));
                    unsettled = left.Count > 0 || !_claimed.IsEmpty;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    onFailure(ex);
                }

                retry = unsettled ? (retry * 2 > longest ? longest : retry * 2) : first;
                pause = unsettled ? retry : options.ReconcileInterval;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task<(List<ReconciledOperation> Operations, List<UnsettledOperation> Unsettled)> SettleAsync(
        bool atStartup, Func<string, bool>? isRunningHere, CancellationToken ct)
    {
        var results = new List<ReconciledOperation>();
        var unsettled = new List<UnsettledOperation>();
        var byEnvironment = new Dictionary<string, List<(OperationRecord Op, DeploymentRecord Deployment)>>(StringComparer.Ordinal);
        foreach (var op in await store.Operations.ListUnfinishedAsync(ct))
        {
            if (isRunningHere?.Invoke(op.Id) == true || (!_claimed.ContainsKey(op.Id) && !await HolderGoneAsync(op, atStartup, ct)))
            {
                continue;
            }

            var deployment = op.DeploymentId is null ? null : await store.Deployments.GetAsync(op.DeploymentId, ct);
            if (deployment is null)
            {
                var interruptedAt = await InterruptedAtAsync(op, ct);
                var gone = op.Kind == OperationKind.Remove ? OperationStatus.Succeeded : OperationStatus.Failed;
                results.Add(await FinishAsync(await InterruptAsync(op, ct), null, interruptedAt, gone, "the deployment no longer exists", ct));
                continue;
            }

            // Taken over (or kept) at once: no new operation starts on the deployment while this one is unsettled.
            if (await store.Locks.AcquireAsync(deployment.Id, op.Id, options.Holder, options.LockLease, ct) is LockAcquireResult.Held held)
            {
                unsettled.Add(new UnsettledOperation(op.Id, op.DeploymentName, deployment.EnvironmentId,
                    $"operation {held.OperationId} holds the deployment's lock"));
                continue;
            }

            if (!_claimed.ContainsKey(op.Id))
            {
                _claimed[op.Id] = await InterruptedAtAsync(op, ct);
            }

            var interrupted = await InterruptAsync(op, ct);
            if (!byEnvironment.TryGetValue(deployment.EnvironmentId, out var list))
            {
                byEnvironment[deployment.EnvironmentId] = list = [];
            }
            list.Add((interrupted, deployment));
        }

        // Environments in parallel: an engine that takes long to refuse a connection delays only its own operations.
        var passes = await Task.WhenAll(byEnvironment.Select(e => SettleEnvironmentAsync(e.Key, e.Value, ct)));
        foreach (var (done, left) in passes)
        {
            results.AddRange(done);
            unsettled.AddRange(left);
        }

        return (results, unsettled);
    }

    private async Task<(List<ReconciledOperation> Done, List<UnsettledOperation> Left)> SettleEnvironmentAsync(
        string environmentId, List<(OperationRecord Op, DeploymentRecord Deployment)> operations, CancellationToken ct)
    {
        var done = new List<ReconciledOperation>();
        var left = new List<UnsettledOperation>();
        string? unreachable = null;
        foreach (var (op, deployment) in operations)
        {
            if (unreachable is not null)
            {
                left.Add(new UnsettledOperation(op.Id, op.DeploymentName, environmentId, unreachable));
                continue;
            }

            try
            {
                done.Add(await ReconcileOperationAsync(op, deployment, _claimed.GetValueOrDefault(op.Id), ct));
                _claimed.TryRemove(op.Id, out _);
            }
            catch (Exception ex) when (IsUnreachable(ex) && !ct.IsCancellationRequested)
            {
                unreachable = $"the Docker engine of environment {environmentId} cannot be reached ({ex.GetType().Name}); settled once it answers";
                left.Add(new UnsettledOperation(op.Id, op.DeploymentName, environmentId, unreachable));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                left.Add(new UnsettledOperation(op.Id, op.DeploymentName, environmentId, $"reconciling failed ({ex.GetType().Name}: {ex.Message}); tried again"));
            }
        }

        return (done, left);
    }

    private static bool IsUnreachable(Exception ex) =>
        ex is Docker.DockerUnreachableException or Docker.DockerConnectionLostException or HttpRequestException or IOException
            or System.Net.Sockets.SocketException or TimeoutException;

    private async Task<bool> HolderGoneAsync(OperationRecord op, bool atStartup, CancellationToken ct)
    {
        if (op.DeploymentId is null || await store.Locks.GetAsync(op.DeploymentId, ct) is not { } held || held.OperationId != op.Id)
        {
            return true;
        }

        return held.ExpiresAt <= time.GetUtcNow() || (atStartup && held.Holder != options.Holder);
    }

    private async Task<string?> InterruptedAtAsync(OperationRecord op, CancellationToken ct)
    {
        var steps = await store.Operations.ListStepsAsync(op.Id, ct);
        return steps.LastOrDefault(s => s.FinishedAt is null)?.Name ?? (steps.Count > 0 ? steps[^1].Name : null);
    }

    private async Task<OperationRecord> InterruptAsync(OperationRecord op, CancellationToken ct) =>
        op.Status == OperationStatus.Interrupted ? op : await store.Operations.TransitionAsync(op.Id, OperationStatus.Interrupted, null, ct) ?? op;

    private async Task<ReconciledOperation> ReconcileOperationAsync(OperationRecord op, DeploymentRecord deployment, string? interruptedAt, CancellationToken ct)
    {
        var steps = await store.Operations.ListStepsAsync(op.Id, ct);
        if (await LaterOperationAsync(op, ct) is { } later)
        {
            // Its lease was lost and another operation ran since: that one defines the state now, so nothing is redone.
            await FailPendingRevisionsAsync(deployment, ct);
            return await FinishAsync(op, deployment.Id, interruptedAt, OperationStatus.Failed,
                $"superseded by operation {later.Id} ({later.Kind}, {later.Status}); nothing was redone", ct);
        }

        var environment = (await store.Environments.GetAsync(deployment.EnvironmentId, ct))!;
        using var docker = engines.Open(environment);
        using var journal = new OperationJournal(store, progress, op, options, ct) { Secrets = await SecretSources.ForDeploymentAsync(store, deployment, ct) };
        var (status, what) = op.Kind switch
        {
            OperationKind.Deploy or OperationKind.Redeploy or OperationKind.Upgrade or OperationKind.Rollback =>
                await ReconcileDeployAsync(journal, docker, deployment, steps, ct),
            OperationKind.Stop => await CompleteAsync(() => new LifecycleExecutor(docker, options, time).StopAsync(journal, deployment.Name), "stop completed"),
            OperationKind.Start or OperationKind.Restart =>
                await CompleteAsync(() => new LifecycleExecutor(docker, options, time).StartAsync(journal, deployment.Name), "start completed"),
            OperationKind.Remove => await CompleteAsync(async () =>
            {
                await new LifecycleExecutor(docker, options, time).RemoveAsync(journal, deployment.EnvironmentId, deployment.Name, removeVolumes: false);
                await store.Deployments.DeleteAsync(deployment.Id, ct);
            }, "remove completed (volumes kept)"),
            OperationKind.ModeChange => await CompleteAsync(() => Deployments.ModeLifecycle.ConvergeAsync(journal, docker, options, time, deployment.Name,
                deployment.Mode), $"containers follow the recorded mode {deployment.Mode}"),
            _ => (OperationStatus.Failed, "interrupted; nothing to resume"),
        };
        if (op.Kind is OperationKind.Upgrade or OperationKind.Rollback)
        {
            var beforeRevision = steps.All(s => s.Name != DeployExecutor.RevisionStep);
            (status, what) = await SettleMigrationAsync(deployment.Id, status, what, beforeRevision, ct);
        }

        return await FinishAsync(op, deployment.Id, interruptedAt, status, journal.Secrets.Mask(what), ct);
    }

    /// <summary>An operation of the same deployment created after this one that really ran (not refused).</summary>
    private async Task<OperationRecord?> LaterOperationAsync(OperationRecord op, CancellationToken ct)
    {
        var recent = (await store.Operations.ListAsync(op.DeploymentId, null, Page.First(Page.MaxLimit), ct)).Items;
        return recent.FirstOrDefault(o => o.Id != op.Id && o.CreatedAt > op.CreatedAt
            && o.Status is OperationStatus.Running or OperationStatus.Succeeded or OperationStatus.Failed or OperationStatus.RolledBack or OperationStatus.Interrupted);
    }

    private async Task<(OperationStatus, string)> ReconcileDeployAsync(
        OperationJournal journal, IDockerEngine docker, DeploymentRecord deployment, IReadOnlyList<OperationStep> steps, CancellationToken ct)
    {
        var marker = OperationJournal.Deserialize<RevisionMarker>(steps.FirstOrDefault(s => s.Name == DeployExecutor.RevisionStep)?.Detail);
        if (marker is null)
        {
            await FailPendingRevisionsAsync(deployment, ct);
            return (OperationStatus.Failed, "interrupted while pulling; nothing of the running version was touched");
        }

        var executor = new DeployExecutor(store, docker, options, time);
        var retired = steps.Where(s => s.Name == DeployExecutor.RetireStep)
            .Select(s => OperationJournal.Deserialize<RetireDetail>(s.Detail)!)
            .Select(d => new RetiredContainer(d.Id, ProjectContainers.OriginalName(d.Name), d.Service, d.State is "running" or "restarting"))
            .ToList();
        var revision = await store.Revisions.GetAsync(deployment.Id, marker.Revision, ct);
        if (deployment.CurrentRevision > marker.Revision)
        {
            await FailPendingRevisionsAsync(deployment, ct);
            return (OperationStatus.Failed, $"revision {deployment.CurrentRevision} was deployed after revision {marker.Revision}: nothing was redone");
        }

        // The journal decides first. Once the commit recorded the revision, it is what runs: the retired containers may
        // already be gone, so restoring them is never an option (whatever the new containers' health says now).
        if (revision is not null && deployment.CurrentRevision == marker.Revision)
        {
            await executor.CommitAsync(journal, null, marker.Revision, retired, revision.ImageDigests, ct);
            return (OperationStatus.Succeeded, $"revision {marker.Revision} was recorded by its commit: the retired containers were removed");
        }

        // A restore that began is finished: the operation had decided to roll back.
        var restoring = steps.Any(s => s.Name == DeployExecutor.RestoreStep);
        // The commit step is reached only after verify and the post hooks passed; its record had not been written yet.
        var committing = steps.Any(s => s.Name == DeployExecutor.CommitStep);
        if (revision is not null && !restoring && (committing || await NewRevisionHealthyAsync(docker, deployment, revision, ct)))
        {
            await executor.CommitAsync(journal, null, marker.Revision, retired, revision.ImageDigests, ct);
            return (OperationStatus.Succeeded, committing
                ? $"revision {marker.Revision} had passed verification and was committing: committed"
                : $"revision {marker.Revision} was running healthy: committed");
        }

        await executor.RestoreAsync(deployment.Name, marker.Revision, retired, ct);
        // With a previous revision, it is what runs now: restarted from its kept containers, or never stopped.
        var restored = marker.Previous is not null;
        await store.Revisions.SetOutcomeAsync(deployment.Id, marker.Revision, restored ? RevisionOutcome.RolledBack : RevisionOutcome.Failed, ct);
        await store.Snapshots.AddMetadataAsync(new NewDeploymentMetadata(deployment.Id, journal.Operation.Id, marker.Revision, revision?.Version ?? deployment.Version,
            revision?.ImageDigests ?? new Dictionary<string, string>(), "ok", "interrupted", restored ? "rolled back by reconciliation" : "failed"), ct);
        return restored
            ? (OperationStatus.RolledBack, $"revision {marker.Revision} was incomplete: removed, revision {marker.Previous} restored")
            : (OperationStatus.Failed, $"revision {marker.Revision} was incomplete: removed (no previous revision to restore)");
    }

    /// <summary>Every planned container of the revision exists and is healthy (one-offs: exited 0).</summary>
    private async Task<bool> NewRevisionHealthyAsync(IDockerEngine docker, DeploymentRecord deployment, Revision revision, CancellationToken ct)
    {
        var stored = OperationJournal.Deserialize<StoredDefinition>(revision.Definition);
        var values = await store.Revisions.GetVariablesWithSecretsAsync(deployment.Id, revision.Number, ct) ?? [];
        var environmentValues = await store.Environments.GetVariablesWithSecretsAsync(deployment.EnvironmentId, ct);
        if (stored is null)
        {
            return false;
        }

        var resolved = StackResolver.Resolve(stored.Load(ct), new VariableValues
        {
            Environment = environmentValues.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal),
            Deployment = values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal),
        }, ct);
        if (resolved.HasErrors)
        {
            return false;
        }

        var plan = DeploymentPlanner.Plan(new PlanInput(resolved.Project!, deployment.Name, revision.Number, revision.StackId, revision.Version,
            ExtraLabels: options.ExtraLabels, FilesDirectory: options.FilesDirectoryFor(deployment.EnvironmentId)));
        var existing = (await new ProjectContainers(docker).OfRevisionAsync(deployment.Name, revision.Number, ct))
            .ToDictionary(ProjectContainers.NameOf, c => c.Id, StringComparer.Ordinal);
        var oneOffs = plan.Services.SelectMany(s => s.DependsOn)
            .Where(d => d.Value.Condition == Definitions.Compose.DependencyCondition.ServiceCompletedSuccessfully).Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        var waits = new ContainerWaits(docker, options, time);
        try
        {
            foreach (var container in plan.Services.SelectMany(s => s.Containers))
            {
                if (!existing.TryGetValue(container.Name, out var id))
                {
                    return false;
                }

                await (oneOffs.Contains(container.Service)
                    ? waits.WaitCompletedAsync(container.Service, id, ct)
                    : waits.WaitHealthyAsync(container.Service, id, null, ct));
            }

            return true;
        }
        catch (DeploymentFailedException)
        {
            return false;
        }
    }

    private async Task FailPendingRevisionsAsync(DeploymentRecord deployment, CancellationToken ct)
    {
        var latest = (await store.Revisions.ListAsync(deployment.Id, Page.First(1), ct)).Items;
        if (latest is [{ Outcome: RevisionOutcome.Pending } pending] && pending.Number != deployment.CurrentRevision)
        {
            await store.Revisions.SetOutcomeAsync(deployment.Id, pending.Number, RevisionOutcome.Failed, ct);
        }
    }

    private static async Task<(OperationStatus, string)> CompleteAsync(Func<Task> action, string what)
    {
        try
        {
            await action();
            return (OperationStatus.Succeeded, what);
        }
        catch (DeploymentFailedException ex)
        {
            return (OperationStatus.Failed, ex.Message);
        }
    }

    /// <summary>An upgrade or rollback left the deployment Migrating: committed or restored → Normal, otherwise Failed
    /// (its snapshot stays and a rollback is offered). Interrupted before the journal recorded a revision (while pulling: nothing
    /// changed) counts as rolled back.</summary>
    private async Task<(OperationStatus, string)> SettleMigrationAsync(
        string deploymentId, OperationStatus status, string what, bool beforeRevision, CancellationToken ct)
    {
        var deployment = await store.Deployments.GetAsync(deploymentId, ct);
        var untouched = status == OperationStatus.Failed && deployment?.CurrentRevision is not null && beforeRevision;
        if (untouched)
        {
            (status, what) = (OperationStatus.RolledBack, $"{what}: revision {deployment!.CurrentRevision} still runs");
        }

        if (deployment?.Mode == OperationMode.Migrating)
        {
            var to = status is OperationStatus.Succeeded or OperationStatus.RolledBack ? OperationMode.Normal : OperationMode.Failed;
            if (await store.OperationModes.ChangeAsync(deploymentId, to, "reconciled after an interruption: " + what, "tidegate", ct) is { } change)
            {
                await progress.ModeChangedAsync(change, ct);
            }
        }

        return (status, what);
    }

    private async Task<ReconciledOperation> FinishAsync(
        OperationRecord op, string? deploymentId, string? interruptedAt, OperationStatus status, string what, CancellationToken ct)
    {
        var message = $"interrupted at step {interruptedAt ?? "(none)"}; reconciled: {what}";
        await store.Operations.TransitionAsync(op.Id, status, message, ct);
        await progress.PublishAsync(new OperationProgress(op.SessionId, op.Id, op.DeploymentId, "reconciled", message,
            status == OperationStatus.Succeeded ? 100 : op.Percent, null, null, null, status), ct);
        if (deploymentId is not null)
        {
            await store.Locks.ReleaseAsync(deploymentId, op.Id, ct);
        }

        return new ReconciledOperation(op.Id, op.DeploymentName, op.Kind, interruptedAt, status, message);
    }

    private sealed record RetireDetail(string Id, string Name, string Service, string? State);
}
