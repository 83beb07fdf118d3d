using System.Globalization;
using System.Collections.Concurrent;
using System.Text.Json;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Store;
using Tidegate.Docker;

namespace Tidegate.Core.Engine;

/// <summary>What one deploy (first deploy, new revision or redeploy) runs.</summary>
internal sealed record DeployWork(
    DeploymentRecord Deployment, ResolvedStack Stack, string StackId, string Version, string Definition,
    IReadOnlyList<VariableValue> Variables, string RequestedBy, string Reason, bool ForcePull)
{
    /// <summary>Set when the caller already took the snapshot (an upgrade or rollback snapshots before it pulls); the
    /// executor then takes no backup of its own.</summary>
    public string? SnapshotId { get; init; }

    /// <summary>A rollback runs the target revision's restore hook where an upgrade runs its mid hooks (after the old
    /// containers stopped, before the restored ones start), with TIDEGATE_RESTORE_REVISION set.</summary>
    public HookSpec? RestoreHook { get; init; }

    public int? RestoreFromRevision { get; init; }

    /// <summary>A user's cancel request, honoured while pulling (before the point of no return).</summary>
    public OperationCancellationHandle? Cancel { get; init; }

    /// <summary>The running revision's restore hook (and its plan), set when its backup hook ran before this upgrade: an
    /// automatic rollback after the old version was stopped runs it before the old containers start again, so they find
    /// the data as they left it (a mid hook may have migrated it).</summary>
    public AutomaticRestore? RestoreOnFailure { get; init; }

    /// <summary>Service → container ports also published on 127.0.0.1 (a random host port) so the edge can reach them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>>? LoopbackPorts { get; init; }

    /// <summary>Runs once the new revision is healthy, before the post hooks and the commit, with the new revision's number:
    /// the recreate flow puts the new containers behind the edge here, so a <see cref="DeploymentFailedException"/> from it
    /// restores the old revision like any other failure before the point of no return.</summary>
    public Func<OperationJournal, int, Task>? BeforeCommit { get; init; }
}

/// <summary>A restore hook for <see cref="DeployWork.RestoreOnFailure"/>: the hook, the plan of the revision it belongs to.</summary>
internal sealed record AutomaticRestore(HookSpec Hook, DeploymentPlan Plan);

/// <summary>Journal marker written once the revision exists: the reconciler reads it to know which revision
/// an interrupted operation was starting and which one ran before.</summary>
internal sealed record RevisionMarker(int Revision, int? Previous);

/// <summary>The deploy flow: pull every image → record the revision and a backup → create networks and volumes →
/// retire the old containers (stopped and renamed, not removed) → start the new ones in dependency order →
/// verify health → commit (remove the retired ones) or restore (remove the new ones, restart the retired ones).</summary>
internal sealed class DeployExecutor(TidegateStore store, IDockerEngine docker, EngineOptions options, TimeProvider time)
{
    public const string RevisionStep = "revision";
    public const string RetireStep = "retire";
    public const string VerifyStep = "verify";
    public const string CommitStep = "commit";
    public const string RemoveRetiredStep = "remove-retired";
    public const string RestoreStep = "restore";

    private readonly ProjectContainers _containers = new(docker);
    private readonly ContainerWaits _waits = new(docker, options, time);

    /// <summary>False until the first container of the running version is retired: a failure before that left it untouched.</summary>
    public bool TouchedRunningVersion { get; private set; }

    public async Task<(OperationStatus Status, string? Error)> RunAsync(OperationJournal j, DeployWork work)
    {
        var project = work.Deployment.Name;
        var services = work.Stack.Project!.Services;
        var previous = work.Deployment.CurrentRevision;

        await j.ProgressAsync("pull", "pulling images", 0, total: services.Count, completed: 0);
        Dictionary<string, string> digests;
        try
        {
            digests = await PullAllAsync(j, services, work.ForcePull);
        }
        catch (DeploymentFailedException) when (work.Cancel?.IsCancellationRequested == true)
        {
            throw new OperationCanceledException(work.Cancel.Token);
        }
        catch (DeploymentFailedException ex)
        {
            // Nothing of the running version was touched: the revision records the failed attempt only.
            var failed = await store.Revisions.AddAsync(NewRevision(work, new Dictionary<string, string>()), CancellationToken.None);
            await store.Revisions.SetOutcomeAsync(work.Deployment.Id, failed.Number, RevisionOutcome.Failed, CancellationToken.None);
            await MetadataAsync(j, work, failed.Number, new Dictionary<string, string>(), "failed: " + ex.Message, "not started", "not checked");
            return (OperationStatus.Failed, ex.Message);
        }

        // The point of no return: from here on the running version is changed, so a cancel request is refused (409).
        j.ThrowIfLeaseLost("recording the revision");
        if (work.Cancel is { } cancel && !cancel.TryPassPointOfNoReturn("replacing the running containers"))
        {
            throw new OperationCanceledException(cancel.Token);
        }

        var revision = await store.Revisions.AddAsync(NewRevision(work, digests), CancellationToken.None);
        await j.StepAsync(RevisionStep, new RevisionMarker(revision.Number, previous), _ => Task.CompletedTask);
        var plan = DeploymentPlanner.Plan(new PlanInput(work.Stack.Project, project, revision.Number, work.StackId, work.Version,
            ExtraLabels: options.ExtraLabels, LoopbackPorts: work.LoopbackPorts, FilesDirectory: options.FilesDirectoryFor(work.Deployment.EnvironmentId)));
        var old = (await _containers.ListAsync(project, j.Stopping)).Where(c => ProjectContainers.RevisionOf(c) != revision.Number).ToList();
        if (work.SnapshotId is null)
        {
            await j.StepAsync("backup", null, ct => BackupAsync(j, work, previous, old, ct));
        }

        var retired = new List<RetiredContainer>();
        var (hooks, _) = StackHooks.From(work.Stack);
        var hookRunner = new HookRunner(docker, options, time);
        try
        {
            await j.ProgressAsync("prepare", "creating networks and volumes", 32);
            await PrepareAsync(j, plan);
            foreach (var hook in hooks.Pre)
            {
                await hookRunner.RunAsync(j, plan, hook, 34);
            }

            await j.ProgressAsync("stop-old", old.Count == 0 ? "nothing running yet" : $"stopping {old.Count} old container(s)", 36);
            foreach (var c in ProjectContainers.InStartOrder(old, plan).Reverse())
            {
                TouchedRunningVersion = true;
                var detail = new { id = c.Id, name = ProjectContainers.NameOf(c), service = ProjectContainers.ServiceOf(c), state = c.State };
                retired.Add(await j.StepAsync(RetireStep, detail, ct => _containers.RetireAsync(c, ct)));
            }

            if (work.RestoreHook is { } restore)
            {
                var env = new Dictionary<string, string> { ["TIDEGATE_RESTORE_REVISION"] = (work.RestoreFromRevision ?? revision.Number).ToString(CultureInfo.InvariantCulture) };
                await hookRunner.RunAsync(j, plan, restore, 38, env);
            }
            else
            {
                foreach (var hook in hooks.Mid)
                {
                    await hookRunner.RunAsync(j, plan, hook, 38);
                }
            }

            await StartAllAsync(j, plan);
            await j.ProgressAsync("verify", "verifying health", 82);
            await j.StepAsync(VerifyStep, null, ct => VerifyAsync(plan, ct));
            if (work.BeforeCommit is { } beforeCommit)
            {
                await beforeCommit(j, revision.Number);
            }

            foreach (var hook in hooks.Post)
            {
                await hookRunner.RunAsync(j, plan, hook, 90);
            }
        }
        catch (Exception ex) when (ex is DeploymentFailedException or DockerApiException or DockerUnreachableException or HttpRequestException or IOException)
        {
            await j.ProgressAsync("restore", retired.Count > 0 ? $"automatic rollback: {ex.Message} Restoring revision {previous}." : "removing the failed containers", 90);
            Func<CancellationToken, Task>? beforeRestart = retired.Count > 0 && work.RestoreOnFailure is { } data
                ? async _ => await hookRunner.RunAsync(j, data.Plan, data.Hook, 91,
                    new Dictionary<string, string> { ["TIDEGATE_RESTORE_REVISION"] = data.Plan.Revision.ToString(CultureInfo.InvariantCulture) })
                : null;
            await j.StepAsync(RestoreStep, new { revision = revision.Number }, ct => RestoreAsync(project, revision.Number, retired, ct, beforeRestart));
            if (previous is null)
            {
                // A failed first deploy leaves nothing behind but its volumes (data is never removed implicitly).
                await j.StepAsync("remove-networks", null, ct => RemoveNetworksAsync(project, ct));
            }

            var rolledBack = retired.Count > 0;
            await store.Revisions.SetOutcomeAsync(work.Deployment.Id, revision.Number,
                rolledBack ? RevisionOutcome.RolledBack : RevisionOutcome.Failed, CancellationToken.None);
            await MetadataAsync(j, work, revision.Number, digests, "ok", "failed: " + ex.Message, rolledBack ? "rolled back" : "failed");
            return (rolledBack ? OperationStatus.RolledBack : OperationStatus.Failed, ex.Message);
        }

        if (previous is not null)
        {
            await j.ProgressAsync("point-of-no-return", $"revision {revision.Number} runs healthy: past the point of no return", 94);
        }

        await j.ProgressAsync("commit", "committing the revision", 96);
        await j.StepAsync(CommitStep, new { revision = revision.Number }, ct => CommitAsync(j, work, revision.Number, retired, digests, ct));
        return (OperationStatus.Succeeded, null);
    }

    /// <summary>Records the revision as what runs (outcome, current revision and the variable values it ran with, in that
    /// order and before anything is removed), then removes the retired containers in a step of its own. A crash between the
    /// two leaves a recorded revision and retired containers, which the reconciler removes; it never restores once the
    /// record exists. Runs inside the caller's <c>commit</c> step; also used by the reconciler.</summary>
    public async Task CommitAsync(OperationJournal j, DeployWork? work, int revision, IReadOnlyList<RetiredContainer> retired,
        IReadOnlyDictionary<string, string> digests, CancellationToken ct)
    {
        var deploymentId = j.Operation.DeploymentId!;
        await RecordAsync(store, deploymentId, revision);
        await j.StepAsync(RemoveRetiredStep, new { containers = retired.Select(r => r.Id).ToList() }, token => RemoveRetiredAsync(retired, token));

        var rev = await store.Revisions.GetAsync(deploymentId, revision, CancellationToken.None);
        var deployment = await store.Deployments.GetAsync(deploymentId, CancellationToken.None);
        if (rev is not null && deployment is not null)
        {
            await store.Snapshots.AddMetadataAsync(new NewDeploymentMetadata(deploymentId, j.Operation.Id, revision, rev.Version,
                rev.ImageDigests, "ok", work is null ? "finished by reconciliation" : "ok", "healthy"), CancellationToken.None);
            await store.Revisions.ApplyRetentionAsync(deploymentId, options.RevisionRetention, CancellationToken.None);
            await store.Snapshots.ApplyMetadataRetentionAsync(deploymentId, options.BackupRetention, CancellationToken.None);
            await store.Snapshots.ApplyRetentionAsync(deploymentId, options.BackupRetention, CancellationToken.None);
            try
            {
                MountedFiles.Prune(options.FilesDirectoryFor(deployment.EnvironmentId), deployment.Name, await _containers.ListAsync(deployment.Name, ct));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DockerApiException or DockerUnreachableException or DockerConnectionLostException)
            {
                // Best effort: the revision is committed; the files go at the next commit or with the deployment.
                await j.ProgressAsync("commit", $"old secret/config files could not be pruned ({ex.Message})", j.Percent);
            }
        }
    }

    /// <summary>The record of a commit: the deployment points at the revision and keeps the values it ran with (one
    /// transaction), then the revision's outcome becomes Succeeded. Repeating it is harmless (the reconciler may).</summary>
    internal static async Task RecordAsync(TidegateStore store, string deploymentId, int revision)
    {
        var rev = await store.Revisions.GetAsync(deploymentId, revision, CancellationToken.None)
                  ?? throw new InvalidOperationException($"Revision {revision} of deployment {deploymentId} does not exist.");
        if (await store.Deployments.GetAsync(deploymentId, CancellationToken.None) is not { } deployment)
        {
            return;
        }

        var values = await store.Revisions.GetVariablesWithSecretsAsync(deploymentId, revision, CancellationToken.None) ?? [];
        await store.Deployments.CommitRevisionAsync(deploymentId, rev.StackId, deployment.ProductId, rev.Version, revision, values, CancellationToken.None);
        if (rev.Outcome == RevisionOutcome.Pending)
        {
            await store.Revisions.SetOutcomeAsync(deploymentId, revision, RevisionOutcome.Succeeded, CancellationToken.None);
        }
    }

    /// <summary>A retired container that is already gone (a repeated commit) counts as removed.</summary>
    private async Task RemoveRetiredAsync(IReadOnlyList<RetiredContainer> retired, CancellationToken ct)
    {
        foreach (var r in retired)
        {
            await docker.ContainerRemoveAsync(r.Id, ct);
        }
    }

    /// <summary>Removes the containers of <paramref name="revision"/> and brings the retired ones back. Also used by the reconciler.</summary>
    /// <remarks>Speed matters here (the old version is down until this ends): the new containers are removed in parallel,
    /// and the kept ones come back in dependency waves (from their own depends_on labels), each wave in parallel.</remarks>
    /// <param name="beforeRestart">Runs after the failed containers stopped, before the kept ones start (the restore hook).</param>
    public async Task RestoreAsync(string project, int revision, IReadOnlyList<RetiredContainer> retired, CancellationToken ct,
        Func<CancellationToken, Task>? beforeRestart = null)
    {
        var all = await _containers.ListAsync(project, ct);
        var keep = retired.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var failed = all.Where(c => ProjectContainers.RevisionOf(c) == revision && !keep.Contains(c.Id)).ToList();
        // Killing and renaming is quicker than removing (no filesystem work): it frees ports and names for the kept containers.
        await Task.WhenAll(failed.Select(async c =>
        {
            await docker.ContainerStopAsync(c.Id, TimeSpan.Zero, ct);
            await docker.ContainerRenameAsync(c.Id, $"{ProjectContainers.NameOf(c)}-failed-r{revision.ToString(CultureInfo.InvariantCulture)}", ct);
        }));

        if (beforeRestart is not null)
        {
            await beforeRestart(ct);
        }

        var byId = retired.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var known = all.Where(c => byId.ContainsKey(c.Id)).ToList();
        foreach (var wave in LifecycleExecutor.Waves(known))
        {
            await Task.WhenAll(wave.Select(c => _containers.RestoreAsync(byId[c.Id], ct)));
        }

        // Retired containers the listing did not show (gone meanwhile): the per-container restore reports nothing to do.
        foreach (var r in retired.Where(r => known.All(c => c.Id != r.Id)).Reverse())
        {
            await _containers.RestoreAsync(r, ct);
        }

        await Task.WhenAll(failed.Select(c => docker.ContainerRemoveAsync(c.Id, ct)));
    }

    private async Task RemoveNetworksAsync(string project, CancellationToken ct)
    {
        foreach (var n in await docker.NetworksAsync([EngineLabels.Filter(EngineLabels.Project, project), EngineLabels.Filter(EngineLabels.Managed, "true")], ct))
        {
            await docker.NetworkRemoveAsync(n.Name ?? n.Id, ct);
        }
    }

    // Pull and prepare are the same for every executor (recreate here, the edge strategies elsewhere).
    private Task<Dictionary<string, string>> PullAllAsync(OperationJournal j, IReadOnlyList<ServiceDefinition> services, bool force) =>
        Strategies.RolloutSteps.PullAllAsync(store, docker, j, services, force);

    private Task PrepareAsync(OperationJournal j, DeploymentPlan plan) => Strategies.RolloutSteps.PrepareAsync(docker, j, plan);

    /// <summary>Each service waits for its own dependencies' conditions only, so independent services start in parallel.</summary>
    private async Task StartAllAsync(OperationJournal j, DeploymentPlan plan)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(j.Stopping);
        var total = plan.Services.Count;
        var completed = 0;
        var ids = new ConcurrentDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var tasks = new Dictionary<string, Lazy<Task>>(StringComparer.Ordinal);
        foreach (var service in plan.Services)
        {
            tasks[service.Name] = new Lazy<Task>(() => StartServiceAsync(service));
        }

        async Task StartServiceAsync(PlannedService service)
        {
            foreach (var (dependency, spec) in service.DependsOn)
            {
                if (!tasks.TryGetValue(dependency, out var task))
                {
                    continue;
                }

                await task.Value;
                foreach (var id in ids[dependency])
                {
                    var depService = plan.Service(dependency);
                    await (spec.Condition switch
                    {
                        DependencyCondition.ServiceHealthy => _waits.WaitHealthyAsync(dependency, id, StartPeriod(depService), failed.Token),
                        DependencyCondition.ServiceCompletedSuccessfully => _waits.WaitCompletedAsync(dependency, id, failed.Token),
                        _ => Task.CompletedTask,
                    });
                }
            }

            var started = new List<string>();
            foreach (var c in service.Containers)
            {
                var id = await Strategies.RolloutSteps.CreateAndStartAsync(docker, j, service.Name, c);
                started.Add(id);
            }

            ids[service.Name] = started;
            var count = Interlocked.Increment(ref completed);
            await j.ProgressAsync("start", $"started {service.Name}", 40 + (40 * count / Math.Max(total, 1)), service.Name, total, count);
        }

        var all = tasks.Values.Select(t => t.Value).ToList();
        try
        {
            await Task.WhenAll(all);
        }
        catch (DeploymentFailedException)
        {
            await failed.CancelAsync();
            throw;
        }
        catch (DockerApiException ex)
        {
            await failed.CancelAsync();
            throw new DeploymentFailedException("Starting the containers failed: " + ex.DaemonMessage);
        }
    }

    private async Task VerifyAsync(DeploymentPlan plan, CancellationToken ct)
    {
        var oneOffs = plan.Services.SelectMany(s => s.DependsOn)
            .Where(d => d.Value.Condition == DependencyCondition.ServiceCompletedSuccessfully).Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        var checks = new List<Task>();
        foreach (var c in await _containers.OfRevisionAsync(plan.Project, plan.Revision, ct))
        {
            var service = ProjectContainers.ServiceOf(c);
            checks.Add(oneOffs.Contains(service)
                ? _waits.WaitCompletedAsync(service, c.Id, ct)
                : _waits.WaitHealthyAsync(service, c.Id, plan.Services.FirstOrDefault(s => s.Name == service) is { } ps ? StartPeriod(ps) : null, ct));
        }

        await Task.WhenAll(checks);
    }

    private Task BackupAsync(OperationJournal j, DeployWork work, int? previous, IReadOnlyList<Docker.Containers.ContainerSummary> old, CancellationToken ct) =>
        Strategies.RolloutSteps.BackupAsync(store, j, work, previous, old, ct);

    /// <summary>The seeds' backup folder as one JSON document: current_containers.json, docker-compose-config.yml,
    /// and (for an upgrade snapshot) the running revision's variables (secrets masked), services and image digests.
    /// Label values and the configuration are masked with <paramref name="secrets"/> before they are serialized (a label
    /// may carry a secret the stack did not declare; masking the JSON afterwards could break its structure).</summary>
    internal static string SnapshotState(IEnumerable<Docker.Containers.ContainerSummary> containers, string config, Revision? running,
        Secrets.SecretValues secrets) =>
        JsonSerializer.Serialize(new
        {
            containers = containers.Select(c => new
            {
                c.Id, Name = ProjectContainers.NameOf(c), c.Image, c.ImageId, c.State, c.Status,
                Labels = c.Labels?.ToDictionary(l => l.Key, l => secrets.Mask(l.Value), StringComparer.Ordinal),
            }),
            config = secrets.Mask(config),
            revision = running?.Number,
            version = running?.Version,
            variables = running?.Variables.Select(v => new { v.Name, v.Value, Secret = v.IsSecret }), // masked in Revision
            services = containers.Select(ProjectContainers.ServiceOf).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal),
            imageDigests = running?.ImageDigests,
        });

    private Task<DeploymentMetadata> MetadataAsync(OperationJournal j, DeployWork work, int revision, IReadOnlyDictionary<string, string> digests,
        string pull, string deploy, string health) => Strategies.RolloutSteps.MetadataAsync(store, j, work, revision, digests, pull, deploy, health);

    private static NewRevision NewRevision(DeployWork work, IReadOnlyDictionary<string, string> digests) => Strategies.RolloutSteps.NewRevision(work, digests);

    private static TimeSpan? StartPeriod(PlannedService service) =>
        (service.Containers.Count > 0 ? service.Containers[0] : null)?.Create.Healthcheck?.StartPeriod is { } ns ? TimeSpan.FromTicks(ns / 100) : null;

    /// <summary>The digest that actually runs: the repo digest for this repository when the image came from a
    /// registry, otherwise the local image id.</summary>
    internal static string Digest(string image, Docker.Images.ImageInspectResponse inspect)
    {
        var repository = Repository(image);
        // Another repository's digest (the image pushed elsewhere) is not how this reference was resolved.
        return inspect.RepoDigests?.FirstOrDefault(d => d.StartsWith(repository + "@", StringComparison.Ordinal)) ?? inspect.Id;
    }

    internal static string RegistryHost(string image)
    {
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return "docker.io";
        }

        var first = image[..slash];
        return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" ? first : "docker.io";
    }

    private static string Repository(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var withoutDigest = at >= 0 ? image[..at] : image;
        var colon = withoutDigest.LastIndexOf(':');
        return colon > withoutDigest.LastIndexOf('/') ? withoutDigest[..colon] : withoutDigest;
    }
}
