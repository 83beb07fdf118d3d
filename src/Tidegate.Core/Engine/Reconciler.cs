using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Variables;
using Tidegate.Core.Deployments;
using Tidegate.Core.Environments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Engine;

internal enum DriftKind
{
    ContainerMissing,
    ImageChanged,
    UnknownContainer,
}

internal sealed record DriftFinding(string Project, DriftKind Kind, string Detail);

/// <summary>What the reconciler did with one interrupted operation, in words an operator can act on.</summary>
internal sealed record ReconciledOperation(string OperationId, string? Project, OperationKind Kind, string? InterruptedAt, OperationStatus Result, string What);

internal sealed record ReconcileReport(IReadOnlyList<ReconciledOperation> Operations, IReadOnlyList<DriftFinding> Drift);

/// <summary>Compares the journal and the store with the containers that really exist. Interrupted operations are driven
/// to a consistent end: a deploy whose new containers all run healthy is committed, otherwise the previous revision is
/// restored from its kept containers; start/stop/remove are completed. Drift made outside Tidegate is reported.</summary>
internal sealed class Reconciler(
    TidegateStore store, IDockerEngineFactory engines, IOperationProgressSink progress, EngineOptions options, TimeProvider time)
{
    /// <param name="atStartup">At startup no other instance can be using this store (SQLite is single-instance), so every
    /// lock not held by this instance belongs to a dead process. On demand, only expired leases count as dead.</param>
    /// <param name="isRunningHere">Operations this process runs right now; they are left alone.</param>
    public async Task<ReconcileReport> ReconcileAsync(bool atStartup, Func<string, bool>? isRunningHere, CancellationToken ct)
    {
        var results = new List<ReconciledOperation>();
        foreach (var op in await store.Operations.ListUnfinishedAsync(ct))
        {
            if (isRunningHere?.Invoke(op.Id) == true || !await HolderGoneAsync(op, atStartup, ct))
            {
                continue;
            }

            results.Add(await ReconcileOperationAsync(op, ct));
        }

        return new ReconcileReport(results, await DriftAsync(ct));
    }

    private async Task<bool> HolderGoneAsync(OperationRecord op, bool atStartup, CancellationToken ct)
    {
        if (op.DeploymentId is null || await store.Locks.GetAsync(op.DeploymentId, ct) is not { } held || held.OperationId != op.Id)
        {
            return true;
        }

        return held.ExpiresAt <= time.GetUtcNow() || (atStartup && held.Holder != options.Holder);
    }

    private async Task<ReconciledOperation> ReconcileOperationAsync(OperationRecord op, CancellationToken ct)
    {
        var steps = await store.Operations.ListStepsAsync(op.Id, ct);
        var interruptedAt = steps.LastOrDefault(s => s.FinishedAt is null)?.Name ?? (steps.Count > 0 ? steps[^1].Name : null);
        if (op.Status != OperationStatus.Interrupted)
        {
            op = await store.Operations.TransitionAsync(op.Id, OperationStatus.Interrupted, null, ct) ?? op;
        }

        var deployment = op.DeploymentId is null ? null : await store.Deployments.GetAsync(op.DeploymentId, ct);
        if (deployment is null)
        {
            var gone = op.Kind == OperationKind.Remove ? OperationStatus.Succeeded : OperationStatus.Failed;
            return await FinishAsync(op, null, interruptedAt, gone, "the deployment no longer exists", ct);
        }

        await store.Locks.AcquireAsync(deployment.Id, op.Id, options.Holder, options.LockLease, ct);
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
            (status, what) = await SettleMigrationAsync(deployment.Id, status, what, ct);
        }

        return await FinishAsync(op, deployment.Id, interruptedAt, status, journal.Secrets.Mask(what), ct);
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
        if (revision is not null && await NewRevisionHealthyAsync(docker, deployment, revision, ct))
        {
            await executor.CommitAsync(journal, null, marker.Revision, retired, revision.ImageDigests, ct);
            return (OperationStatus.Succeeded, $"revision {marker.Revision} was running healthy: committed");
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
    /// (its snapshot stays and a rollback is offered). Interrupted before anything changed counts as rolled back.</summary>
    private async Task<(OperationStatus, string)> SettleMigrationAsync(string deploymentId, OperationStatus status, string what, CancellationToken ct)
    {
        var deployment = await store.Deployments.GetAsync(deploymentId, ct);
        var untouched = status == OperationStatus.Failed && deployment?.CurrentRevision is not null && what.StartsWith("interrupted while pulling", StringComparison.Ordinal);
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

    private async Task<IReadOnlyList<DriftFinding>> DriftAsync(CancellationToken ct)
    {
        var findings = new List<DriftFinding>();
        foreach (var environment in (await store.Environments.ListAsync(Page.First(Page.MaxLimit), ct)).Items)
        {
            using var docker = engines.Open(environment);
            var deployments = (await store.Deployments.ListAsync(environment.Id, Page.First(Page.MaxLimit), ct)).Items;
            List<ContainerSummary> ours;
            try
            {
                ours = [.. await docker.ContainersAsync([EngineLabels.Filter(EngineLabels.Managed, "true"), .. options.ExtraLabels.Select(l => $"{l.Key}={l.Value}")], ct)];
            }
            catch (Exception ex) when (ex is Docker.DockerUnreachableException or HttpRequestException)
            {
                continue;
            }

            var known = deployments.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
            findings.AddRange(ours.Where(c => !known.Contains(c.Labels?.GetValueOrDefault(EngineLabels.Project) ?? string.Empty))
                .Select(c => new DriftFinding(c.Labels?.GetValueOrDefault(EngineLabels.Project) ?? "?", DriftKind.UnknownContainer,
                    $"container {ProjectContainers.NameOf(c)} carries Tidegate labels but belongs to no deployment")));
            foreach (var d in deployments.Where(d => d.CurrentRevision is not null))
            {
                findings.AddRange(await DeploymentDriftAsync(docker, d, ours.Where(c => c.Labels?.GetValueOrDefault(EngineLabels.Project) == d.Name).ToList(), ct));
            }
        }

        return findings;
    }

    private async Task<IEnumerable<DriftFinding>> DeploymentDriftAsync(IDockerEngine docker, DeploymentRecord d, IReadOnlyList<ContainerSummary> containers, CancellationToken ct)
    {
        var revision = await store.Revisions.GetAsync(d.Id, d.CurrentRevision!.Value, ct);
        var stored = revision is null ? null : OperationJournal.Deserialize<StoredDefinition>(revision.Definition);
        if (revision is null || stored is null)
        {
            return [];
        }

        var findings = new List<DriftFinding>();
        var template = stored.Load(ct);
        var services = template.Preview?.Services.Select(s => s.Name).ToList() ?? [];
        foreach (var service in services.Where(s => containers.All(c => ProjectContainers.ServiceOf(c) != s)))
        {
            findings.Add(new DriftFinding(d.Name, DriftKind.ContainerMissing, $"service {service} of revision {revision.Number} has no container"));
        }

        foreach (var c in containers)
        {
            if (ProjectContainers.RevisionOf(c) != revision.Number && !ProjectContainers.IsRetired(c))
            {
                findings.Add(new DriftFinding(d.Name, DriftKind.UnknownContainer,
                    $"container {ProjectContainers.NameOf(c)} is labelled revision {ProjectContainers.RevisionOf(c)}, the deployment runs {revision.Number}"));
            }
            else if (c.Image is { } image && revision.ImageDigests.TryGetValue(image, out var recorded) && !await RunsRecordedImageAsync(docker, c, recorded, ct))
            {
                findings.Add(new DriftFinding(d.Name, DriftKind.ImageChanged, $"container {ProjectContainers.NameOf(c)} runs {c.ImageId}, revision {revision.Number} recorded {recorded}"));
            }
        }

        return findings;
    }

    /// <summary>The recorded digest is either the local image id or a repository digest of the image the container runs.</summary>
    private static async Task<bool> RunsRecordedImageAsync(IDockerEngine docker, ContainerSummary c, string recorded, CancellationToken ct)
    {
        if (recorded.StartsWith("sha256:", StringComparison.Ordinal))
        {
            return c.ImageId == recorded;
        }

        var inspect = c.ImageId is null ? null : await docker.ImageInspectAsync(c.ImageId, ct);
        return inspect?.RepoDigests?.Contains(recorded) ?? true;
    }

    private sealed record RetireDetail(string Id, string Name, string Service, string? State);
}
