using Tidegate.Core.Catalog;
using Tidegate.Core.Definitions;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;
using Tidegate.Docker;

namespace Tidegate.Core.Deployments;

/// <summary>Upgrade and rollback (seed 000): upgrade check against the catalog, the upgrade flow (snapshot → pull →
/// start → verify → point of no return → commit) with automatic rollback from the kept containers, the seed's manual
/// rollback after a failed upgrade and rollback to any retained revision that ran.</summary>
internal sealed partial class DeploymentService
{
    /// <summary>The upgrade check. Never throws for a deployment's state: every "cannot" is a reason.</summary>
    public async Task<UpgradeCheck> CheckUpgradeAsync(DeploymentRecord deployment, StackCatalog catalog, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(catalog);
        var newer = catalog.GetNewerVersions(deployment.StackId, deployment.Version);
        var versions = newer.Versions.Select(v => new NewerVersion(v.VersionText!, v.StackId.ToString(), v.ReleaseNotesUrl)).ToList();
        if (newer.Status is NewerVersionsStatus.StackNotFound or NewerVersionsStatus.InvalidCurrentVersion)
        {
            return new UpgradeCheck(true, false, deployment.Version, null, null, [], [], false, UpgradeReasons.ProductNotFound, []);
        }
        if (newer.Latest is not { } latest)
        {
            return new UpgradeCheck(true, false, deployment.Version, deployment.Version, deployment.StackId, [], [], false, UpgradeReasons.NoNewerVersion, []);
        }

        IReadOnlyList<string> added = [], removed = [];
        if (deployment.CurrentRevision is { } number && await store.Revisions.GetAsync(deployment.Id, number, ct) is { } running
            && OperationJournal.Deserialize<StoredDefinition>(running.Definition) is { } stored)
        {
            var comparison = StackDiff.Compare(stored.Load(ct), StackLoader.LoadFile(latest.FullPath, latest.SourceRoot, ct));
            (added, removed) = (comparison.NewVariables, comparison.RemovedVariableNames);
        }

        string? reason;
        try
        {
            reason = await WhyNotUpgradableAsync(deployment, ct);
        }
        catch (Exception ex) when (ex is DockerUnreachableException or DockerApiException or HttpRequestException or IOException)
        {
            return new UpgradeCheck(false, true, deployment.Version, latest.VersionText, latest.StackId.ToString(), added, removed, false,
                "The Docker engine of the environment cannot be reached: " + ex.Message, versions);
        }

        return new UpgradeCheck(true, true, deployment.Version, latest.VersionText, latest.StackId.ToString(), added, removed, reason is null, reason, versions);
    }

    /// <summary>Starts an upgrade. Unknown variables, missing required values and an invalid definition are answered
    /// with field errors before anything changes; a deployment that is not running or whose mode forbids it is refused.</summary>
    public async Task<OperationStartResult> UpgradeAsync(UpgradeWorkRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deployment = await store.Deployments.GetAsync(request.DeploymentId, ct);
        if (deployment is null)
        {
            return new OperationStartResult.NotFound($"deployment {request.DeploymentId}");
        }
        if (deployment.CurrentRevision is not { } number || await store.Revisions.GetAsync(deployment.Id, number, ct) is not { } running)
        {
            return new OperationStartResult.NotAllowed(UpgradeReasons.NotRunning);
        }
        if (await WhyNotUpgradableAsync(deployment, ct) is { } reason)
        {
            return new OperationStartResult.NotAllowed(reason);
        }

        var template = request.Source.Load(ct);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var known = template.Variables.ToDictionary(v => v.Name, StringComparer.Ordinal);
        foreach (var name in request.Variables.Keys.Where(n => !known.ContainsKey(n)))
        {
            errors[name] = [$"{name} is not a variable of version {request.Version}."];
        }

        // The values that ran (the running revision's) are kept when the new version still knows them; removed ones stay only
        // in the snapshot and revisions. Values of an attempt that never committed are not among them.
        var merged = (await store.Revisions.GetVariablesWithSecretsAsync(deployment.Id, number, ct) ?? [])
            .Where(v => known.ContainsKey(v.Name)).ToDictionary(v => v.Name, StringComparer.Ordinal);
        foreach (var (name, value) in request.Variables.Where(v => known.ContainsKey(v.Key)))
        {
            merged[name] = new VariableValue(name, value, known[name].IsSecret);
        }

        var environmentValues = (await store.Environments.GetVariablesWithSecretsAsync(deployment.EnvironmentId, ct)).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var missing in template.Variables.Where(v => v.Required && v.Default is null && !environmentValues.Contains(v.Name)
                     && (!merged.TryGetValue(v.Name, out var value) || string.IsNullOrEmpty(value.Value))))
        {
            errors[missing.Name] = [$"{missing.Name} is required by version {request.Version} and has no value; give it in variables."];
        }
        if (errors.Count > 0)
        {
            return new OperationStartResult.Invalid("the upgrade needs other variable values", errors);
        }

        var (stack, variables, resolveErrors) = await ResolveAsync(template, deployment.EnvironmentId, [.. merged.Values], ct);
        if (resolveErrors.Count > 0)
        {
            return new OperationStartResult.Invalid("the new version does not resolve with these values", new Dictionary<string, string[]> { ["stack"] = [.. resolveErrors] });
        }

        var (strategy, strategyErrors) = Strategies.RolloutStrategies.Resolve(request.Strategy, stack!);
        if (strategyErrors.Count == 0 && strategy != Strategies.RolloutStrategyKind.Recreate && _strategies is null)
        {
            strategyErrors = [$"strategy: {request.Strategy ?? strategy.ToString()} needs the Tidegate edge, which this engine does not run"];
        }
        if (strategyErrors.Count > 0)
        {
            return new OperationStartResult.Invalid("the strategy cannot run", new Dictionary<string, string[]> { ["strategy"] = [.. strategyErrors] });
        }

        var definition = OperationJournal.Serialize(StoredDefinition.Of(request.Source, stack!))!;
        var work = new DeployWork(deployment, stack!, request.StackId, request.Version, definition, variables, request.RequestedBy,
            $"upgrade {running.Version} → {request.Version}" + (strategy == Strategies.RolloutStrategyKind.Recreate ? "" : $" ({Strategies.RolloutSettings.Name(strategy)})"),
            ForcePull: false);
        return await StartAsync(deployment, OperationKind.Upgrade, new OperationRequest(request.RequestedBy, work.Reason, request.SessionId),
            (j, docker) => MigrateAsync(j, docker, deployment, running, work, $"Before upgrade to v{request.Version}", withBackup: true, strategy), ct,
            stack!.Secrets);
    }

    /// <summary>The seed's rule: rollback is offered after a failed upgrade attempt (the deployment Failed, or the last
    /// attempt failed or was rolled back automatically) while the snapshot taken before it is kept.</summary>
    public async Task<RollbackInfo> GetRollbackInfoAsync(DeploymentRecord deployment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var none = new RollbackInfo(false, null, null, null, null);
        if (deployment.CurrentRevision is not { } current)
        {
            return none;
        }

        var page = (await store.Revisions.ListAsync(deployment.Id, Page.First(1), ct)).Items;
        var latest = page.Count > 0 ? page[0] : null;
        var failedAttempt = deployment.Mode == OperationMode.Failed
                            || (latest is not null && latest.Number > current && latest.Outcome is RevisionOutcome.Failed or RevisionOutcome.RolledBack);
        var snapshot = await store.Snapshots.GetLatestKeptAsync(deployment.Id, ct);
        return failedAttempt && snapshot?.Revision == current && await store.Revisions.GetAsync(deployment.Id, current, ct) is { } target
            ? new RollbackInfo(true, target.Version, snapshot.Description, snapshot.CreatedAt, current)
            : none;
    }

    /// <summary>Rolls back to <paramref name="toRevision"/>, or by default to what the seed's rollback restores (the
    /// snapshot of a failed upgrade) or else the last successful revision before the current one (like
    /// <c>oc rollout undo</c>). Only revisions that ran successfully can be restored.</summary>
    public async Task<OperationStartResult> RollbackAsync(string deploymentId, int? toRevision, OperationRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deployment = await store.Deployments.GetAsync(deploymentId, ct);
        if (deployment is null)
        {
            return new OperationStartResult.NotFound($"deployment {deploymentId}");
        }
        if (deployment.CurrentRevision is not { } current || await store.Revisions.GetAsync(deploymentId, current, ct) is not { } running)
        {
            return new OperationStartResult.NotAllowed("The deployment has never run successfully; there is nothing to roll back to.");
        }
        if (!OperationModeTransitions.IsAllowed(deployment.Mode, OperationMode.Migrating))
        {
            return new OperationStartResult.NotAllowed(ModeForbids(deployment.Mode, "a rollback"));
        }

        var info = await GetRollbackInfoAsync(deployment, ct);
        int number;
        if (toRevision is { } wanted)
        {
            number = wanted;
        }
        else if (info.TargetRevision is { } seed)
        {
            number = seed;
        }
        else if ((await store.Revisions.ListAsync(deploymentId, Page.First(Page.MaxLimit), ct)).Items
                 .FirstOrDefault(r => r.Number < current && r.Outcome == RevisionOutcome.Succeeded) is { } earlier)
        {
            number = earlier.Number;
        }
        else
        {
            return new OperationStartResult.NotAllowed($"There is no successful revision before revision {current} to roll back to.");
        }

        if (await store.Revisions.GetAsync(deploymentId, number, ct) is not { } target)
        {
            return new OperationStartResult.NotFound($"revision {number} of deployment {deployment.Name} (it may have been removed by retention)");
        }
        if (target.Outcome != RevisionOutcome.Succeeded)
        {
            return new OperationStartResult.Invalid("the revision never ran", new Dictionary<string, string[]>
            {
                ["toRevision"] = [$"Revision {number} has outcome {target.Outcome}; only a revision that ran successfully can be restored."],
            });
        }
        if (number == current && info.TargetRevision is null && deployment.Mode != OperationMode.Failed)
        {
            return new OperationStartResult.NotAllowed($"Revision {number} ({target.Version}) is already running.");
        }

        var stored = OperationJournal.Deserialize<StoredDefinition>(target.Definition)!;
        var values = await store.Revisions.GetVariablesWithSecretsAsync(deploymentId, number, ct) ?? [];
        var (stack, variables, errors) = await ResolveAsync(stored.Load(ct), deployment.EnvironmentId, values, ct);
        if (errors.Count > 0)
        {
            return new OperationStartResult.Invalid("the stored revision no longer resolves", new Dictionary<string, string[]> { ["toRevision"] = [.. errors] });
        }

        var work = new DeployWork(deployment, stack!, target.StackId, target.Version, target.Definition, variables, request.RequestedBy,
            request.Reason ?? $"rollback to revision {number} ({target.Version})", ForcePull: false)
        {
            RestoreHook = StackHooks.From(stack!).Hooks.Restore,
            RestoreFromRevision = number,
        };
        var description = info.SnapshotDescription is not null && number == info.TargetRevision
            ? $"Before rollback to v{target.Version} (after: {info.SnapshotDescription})"
            : $"Before rollback to revision {number} (v{target.Version})";
        return await StartAsync(deployment, OperationKind.Rollback, request with { Reason = work.Reason },
            (j, docker) => MigrateAsync(j, docker, deployment, running, work, description, withBackup: false, switchBackTo: number), ct,
            stack!.Secrets);
    }

    /// <summary>Null when an upgrade may start; otherwise the reason (the seed's "must be running", or the mode).</summary>
    private async Task<string?> WhyNotUpgradableAsync(DeploymentRecord deployment, CancellationToken ct)
    {
        if (deployment.Mode == OperationMode.Stopped || deployment.CurrentRevision is not { } current)
        {
            return UpgradeReasons.NotRunning;
        }
        if (!OperationModeTransitions.IsAllowed(deployment.Mode, OperationMode.Migrating))
        {
            return ModeForbids(deployment.Mode, "an upgrade");
        }

        var environment = await store.Environments.GetAsync(deployment.EnvironmentId, ct)
                          ?? throw new InvalidOperationException($"Deployment {deployment.Name} has no environment.");
        using var docker = engines.Open(environment);
        var containers = await new ProjectContainers(docker).OfRevisionAsync(deployment.Name, current, ct);
        return containers.Any(c => c.State is "running") ? null : UpgradeReasons.NotRunning;
    }

    private static string ModeForbids(OperationMode mode, string what) => mode switch
    {
        OperationMode.Migrating => $"Another upgrade or rollback is in progress (operation mode Migrating); {what} has to wait.",
        _ => $"The deployment is in operation mode {mode}; {what} needs Normal or Failed (allowed from {mode}: " +
             $"{string.Join(", ", OperationModeTransitions.AllowedFrom(mode))}).",
    };

    /// <summary>The shared body of upgrade and rollback: mode Migrating, the seed's snapshot, the deploy flow (pull before
    /// touch; automatic restore of the kept containers on failure), then Normal — or Failed when the restore itself failed.</summary>
    private async Task<(OperationStatus, string?)> MigrateAsync(
        OperationJournal j, IDockerEngine docker, DeploymentRecord deployment, Revision running, DeployWork work, string snapshotDescription,
        bool withBackup, Strategies.RolloutStrategyKind strategy = Strategies.RolloutStrategyKind.Recreate, int? switchBackTo = null)
    {
        await ChangeModeAsync(deployment.Id, OperationMode.Migrating, work.Reason, work.RequestedBy);
        OperationStatus status;
        string? error;
        var executor = new DeployExecutor(store, docker, options, time);
        try
        {
            await j.ProgressAsync("snapshot", snapshotDescription, 1);
            var containers = await new ProjectContainers(docker).ListAsync(deployment.Name, j.Stopping);
            var config = OperationJournal.Deserialize<StoredDefinition>(running.Definition)?.Resolved ?? string.Empty;
            var snapshot = await j.StepAsync("snapshot", new { revision = running.Number, version = running.Version }, ct =>
                store.Snapshots.CreateAsync(new NewSnapshot(deployment.Id, j.Operation.Id, running.Number, running.Version, snapshotDescription,
                    DeployExecutor.SnapshotState(containers, config, running, j.Secrets)), ct));
            if (withBackup)
            {
                try
                {
                    work = work with { RestoreOnFailure = await BackupHookAsync(j, docker, deployment, running, snapshot) };
                }
                catch (DeploymentFailedException ex)
                {
                    await ChangeModeAsync(deployment.Id, OperationMode.Normal, $"{work.Reason} stopped before any change: {ex.Message}", "tidegate");
                    return (OperationStatus.Failed, $"{ex.Message} Nothing was changed: revision {running.Number} ({running.Version}) still runs.");
                }
            }

            // Recreate runs the deploy flow; blue-green, canary and rolling switch traffic at the edge.
            var rollout = _strategies?.Create(strategy, store, docker, options);
            if (switchBackTo is { } target && _strategies?.Rollouts.Parked(deployment.Id)?.Revision == target
                && await _strategies.SwitchBackAsync(j, store, docker, deployment))
            {
                // A rollback inside a blue-green keep window: the old color still runs, so it is a traffic switch; the
                // deployment takes that revision's values back with it.
                await DeployExecutor.RecordAsync(store, deployment.Id, target);
                (status, error) = (OperationStatus.Succeeded, null);
            }
            else
            {
                (status, error) = rollout is null
                    ? await RecreateAsync(j, docker, executor, work with { SnapshotId = snapshot.Id, Cancel = j.Cancel })
                    : await rollout.RunAsync(j, work with { SnapshotId = snapshot.Id, Cancel = j.Cancel });
            }
        }
        catch (OperationCanceledException) when (j.Cancel?.IsCancellationRequested == true && !_stopping.IsCancellationRequested)
        {
            // Cancelled before the point of no return: nothing of the running version changed.
            await ChangeModeAsync(deployment.Id, OperationMode.Normal, $"{work.Reason} cancelled before any change", work.RequestedBy);
            throw;
        }
        catch (Exception ex) when (ex is not LeaseLostException && !_stopping.IsCancellationRequested)
        {
            await ChangeModeAsync(deployment.Id, OperationMode.Failed,
                $"{work.Reason} failed and the automatic rollback did not complete: {ex.Message}", "tidegate");
            return (OperationStatus.Failed, $"{ex.Message} The automatic rollback did not complete; the snapshot is kept and a rollback is available.");
        }

        switch (status)
        {
            case OperationStatus.Succeeded:
                await ChangeModeAsync(deployment.Id, OperationMode.Normal, $"{work.Reason}: committed", work.RequestedBy);
                return (status, error);
            case OperationStatus.Failed when !executor.TouchedRunningVersion:
                // The pull failed: nothing of the running version was touched, so "rolling back" is already done.
                await ChangeModeAsync(deployment.Id, OperationMode.Normal, $"{work.Reason} failed before anything changed: {error}", "tidegate");
                return (OperationStatus.RolledBack, $"{error} Nothing was touched: revision {running.Number} ({running.Version}) still runs (automatic rollback).");
            case OperationStatus.RolledBack:
                await ChangeModeAsync(deployment.Id, OperationMode.Normal, $"{work.Reason} failed; rolled back automatically: {error}", "tidegate");
                return (status, $"{error} Rolled back automatically: revision {running.Number} ({running.Version}) runs again.");
            default:
                await ChangeModeAsync(deployment.Id, OperationMode.Failed, $"{work.Reason} failed: {error}", "tidegate");
                return (status, error);
        }
    }

    /// <summary>The running revision's x-tidegate.backup hook (it knows its own data), as a one-off container of its own
    /// definition, before anything changes. Its outcome is recorded with the snapshot; a failure (policy abort) ends the upgrade untouched.</summary>
    /// <returns>The running revision's restore hook with its plan when the backup ran (for an automatic rollback), else null.</returns>
    private async Task<AutomaticRestore?> BackupHookAsync(OperationJournal j, IDockerEngine docker, DeploymentRecord deployment, Revision running, Snapshot snapshot)
    {
        if (OperationJournal.Deserialize<StoredDefinition>(running.Definition) is not { } stored)
        {
            return null;
        }

        var values = await store.Revisions.GetVariablesWithSecretsAsync(deployment.Id, running.Number, j.Stopping) ?? [];
        var (stack, _, errors) = await ResolveAsync(stored.Load(j.Stopping), deployment.EnvironmentId, values, j.Stopping);
        var hooks = errors.Count > 0 ? StackHooks.None : StackHooks.From(stack!).Hooks;
        if (hooks.Backup is not { } backup)
        {
            return null;
        }

        var plan = DeploymentPlanner.Plan(new PlanInput(stack!.Project!, deployment.Name, running.Number, running.StackId, running.Version,
            ExtraLabels: options.ExtraLabels, FilesDirectory: options.FilesDirectoryFor(deployment.EnvironmentId)));
        try
        {
            // The backup hook may mount the service's secrets and configs; their files normally exist since the deploy.
            await MountedFiles.WriteAsync(plan.Files, j.Stopping);
            var outcome = await new HookRunner(docker, options, time).RunAsync(j, plan, backup, 3);
            await store.Snapshots.SetHookOutcomeAsync(snapshot.Id, j.Secrets.Mask(outcome.ToString()), CancellationToken.None);
            return outcome.Succeeded && hooks.Restore is { } restore ? new AutomaticRestore(restore, plan) : null;
        }
        catch (DeploymentFailedException ex)
        {
            await store.Snapshots.SetHookOutcomeAsync(snapshot.Id, j.Secrets.Mask(ex.Message), CancellationToken.None);
            throw;
        }
    }

    private async Task ChangeModeAsync(string deploymentId, OperationMode to, string reason, string by)
    {
        var current = await store.Deployments.GetAsync(deploymentId, CancellationToken.None);
        if (current is null || current.Mode == to)
        {
            return;
        }

        reason = _secrets.TryGetValue(deploymentId, out var secrets) ? secrets.Mask(reason) : reason;
        if (await store.OperationModes.ChangeAsync(deploymentId, to, reason.Length > 500 ? reason[..500] : reason, by, CancellationToken.None) is { } change)
        {
            await progress.ModeChangedAsync(change, CancellationToken.None);
        }
    }
}
