using Tidegate.Core.Engine;
using Tidegate.Core.Store;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Deployments;

/// <summary>A requested operation-mode change. <see cref="ChangedBy"/> is a user (the audit name) or an observer
/// (<see cref="ModeOwnership.ObserverPrefix"/>…). <see cref="Override"/>: an admin ends an observer's maintenance.</summary>
internal sealed record ModeChangeRequest(OperationMode To, string? Reason, string ChangedBy, string? SessionId = null, bool Override = false);

/// <summary>The typed answer of <see cref="DeploymentService.ChangeModeAsync"/>. An illegal transition throws
/// <see cref="IllegalModeTransitionException"/> instead (409 naming the allowed targets).</summary>
internal abstract record ModeChangeResult
{
    private ModeChangeResult()
    {
    }

    /// <summary>The change is recorded; the containers follow in the operation.</summary>
    internal sealed record Started(string OperationId, ModeChange Change) : ModeChangeResult;

    /// <summary>Another operation holds the deployment's lock.</summary>
    internal sealed record Refused(string RunningOperationId) : ModeChangeResult;

    /// <summary>The current maintenance belongs to someone else (an observer, or a user when an observer asks).</summary>
    internal sealed record NotOwner(string Owner, string Detail) : ModeChangeResult;

    internal sealed record NotFound(string What) : ModeChangeResult;
}

/// <summary>Who owns the current mode: the actor of the history entry that entered it.</summary>
internal static class ModeOwnership
{
    public const string ObserverPrefix = "observer:";

    public static bool IsObserver(string? actor) => actor?.StartsWith(ObserverPrefix, StringComparison.Ordinal) == true;

    /// <summary>The rules: an observer ends only the maintenance it started, and never a manual one; a user does not end an
    /// observer's maintenance unless overriding (the API allows that to admins only). Null when allowed.</summary>
    public static string? Refusal(OperationMode current, string? owner, ModeChangeRequest request)
    {
        if (current != OperationMode.Maintenance || owner is null)
        {
            return null;
        }

        if (IsObserver(request.ChangedBy))
        {
            return owner == request.ChangedBy ? null
                : $"The maintenance was started by {owner}; an observer ends only the maintenance it started itself.";
        }

        return IsObserver(owner) && !request.Override
            ? $"The maintenance was started by {owner} and ends when its signal says normal; an admin can end it now with override: true."
            : null;
    }
}

internal sealed partial class DeploymentService
{
    /// <summary>Returns the warning for the operation's result when the page could not be switched, else null.</summary>
    private async Task<string?> EdgeMaintenanceAsync(OperationJournal j, DeploymentRecord deployment, bool on)
    {
        if (_strategies is null || _strategies.Edge.EntriesOf(deployment.EnvironmentId, deployment.Name).Count == 0)
        {
            return null;
        }

        try
        {
            await j.StepAsync("edge-maintenance", new { on }, ct => _strategies.SetMaintenanceAsync(deployment.EnvironmentId, deployment.Name, on, ct));
            return null;
        }
        catch (Exception ex) when (ex is not LeaseLostException && (ex is not OperationCanceledException || !j.Stopping.IsCancellationRequested))
        {
            // The mode change stands; the page follows the recorded mode when the edge is synchronised at the next start.
            var warning = $"the edge's maintenance page could not be turned {(on ? "on" : "off")} ({ex.Message})";
            await j.ProgressAsync("edge", warning, j.Percent);
            return warning;
        }
    }

    /// <summary>The actor of the history entry that entered the current mode (null when the history does not say).</summary>
    public async Task<string?> ModeOwnerAsync(DeploymentRecord deployment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var items = (await store.OperationModes.HistoryAsync(deployment.Id, new Page(1, 0), ct)).Items;
        var last = items.Count > 0 ? items[0] : null;
        return last is not null && last.To == deployment.Mode ? last.ChangedBy : null;
    }

    /// <summary>Changes the operation mode as a journaled operation under the deployment's lock: the change is recorded
    /// (history, who and why) and then the containers follow — Normal→Maintenance stops all but the keep-running ones in
    /// reverse dependency order, →Stopped stops all, Maintenance/Stopped→Normal starts them in dependency order and waits
    /// for health. Returns once the change is recorded; a failure of the containers is the operation's result.</summary>
    public async Task<ModeChangeResult> ChangeModeAsync(string deploymentId, ModeChangeRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deployment = await store.Deployments.GetAsync(deploymentId, ct);
        if (deployment is null)
        {
            return new ModeChangeResult.NotFound($"deployment {deploymentId}");
        }

        OperationModeTransitions.EnsureAllowed(deployment.Mode, request.To);
        if (ModeOwnership.Refusal(deployment.Mode, await ModeOwnerAsync(deployment, ct), request) is { } refusal)
        {
            return new ModeChangeResult.NotOwner((await ModeOwnerAsync(deployment, ct))!, refusal);
        }

        var recorded = new TaskCompletionSource<ModeChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = await StartAsync(deployment, OperationKind.ModeChange, new OperationRequest(request.ChangedBy, request.Reason, request.SessionId),
            async (j, docker) =>
            {
                ModeChange change;
                try
                {
                    // Under the lock: the table is checked again against the mode as it is now.
                    change = await store.OperationModes.ChangeAsync(deployment.Id, request.To, request.Reason, request.ChangedBy, CancellationToken.None)
                             ?? throw new InvalidOperationException($"Deployment {deployment.Name} no longer exists.");
                }
                catch (Exception ex)
                {
                    recorded.TrySetException(ex);
                    throw;
                }

                recorded.TrySetResult(change);
                // Once recorded (before the containers follow), through the one path every mode change takes: the server's sink
                // pushes it to the hub and the deployment's SSE, like the upgrade's Migrating and the reconciler's changes.
                await progress.ModeChangedAsync(change, CancellationToken.None);
                await j.ProgressAsync("mode", $"operation mode {change.From} → {change.To}", 5);
                // Behind the edge, visitors get the maintenance page (503, Retry-After) before the app stops and until it is back.
                var warnings = new List<string>();
                if (change.To == OperationMode.Maintenance && await EdgeMaintenanceAsync(j, deployment, on: true) is { } pageOn)
                {
                    warnings.Add(pageOn);
                }
                await ModeLifecycle.ApplyAsync(j, docker, options, time, deployment.Name, change);
                if (change.To == OperationMode.Normal && await EdgeFollowAsync(j, docker, deployment) is { } follow)
                {
                    warnings.Add(follow);
                }
                if (change.From == OperationMode.Maintenance && change.To != OperationMode.Maintenance
                    && await EdgeMaintenanceAsync(j, deployment, on: false) is { } pageOff)
                {
                    warnings.Add(pageOff);
                }
                return WithWarning((OperationStatus.Succeeded, null), warnings.Count == 0 ? null : string.Join("; ", warnings));
            }, ct);

        switch (started)
        {
            case OperationStartResult.Started s:
                var finished = _running.TryGetValue(s.OperationId, out var task) ? task : Task.FromResult<OperationRecord>(null!);
                await Task.WhenAny(recorded.Task, finished).WaitAsync(ct);
                if (!recorded.Task.IsCompleted)
                {
                    // The operation ended before it could record anything (the engine could not be opened).
                    var op = await store.Operations.GetAsync(s.OperationId, ct);
                    throw new InvalidOperationException($"The mode change failed before it was recorded: {op?.Error ?? "unknown error"}");
                }

                return new ModeChangeResult.Started(s.OperationId, await recorded.Task);
            case OperationStartResult.Refused r:
                return new ModeChangeResult.Refused(r.RunningOperationId);
            case OperationStartResult.NotFound n:
                return new ModeChangeResult.NotFound(n.What);
            default:
                throw new InvalidOperationException($"Unexpected start result {started}.");
        }
    }
}

/// <summary>What the containers do on a mode change, and how the reconciler drives them to the recorded mode after a crash.</summary>
internal static class ModeLifecycle
{
    public static async Task ApplyAsync(OperationJournal j, IDockerEngine docker, EngineOptions options, TimeProvider time, string project, ModeChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        switch (change.From, change.To)
        {
            case (_, OperationMode.Maintenance) or (_, OperationMode.Stopped) or (OperationMode.Maintenance or OperationMode.Stopped, OperationMode.Normal):
                await ConvergeAsync(j, docker, options, time, project, change.To);
                break;
            default:
                await j.ProgressAsync("mode", $"{change.From} → {change.To} leaves the containers as they are", 95);
                break;
        }
    }

    /// <summary>Maintenance: all but the keep-running containers stopped (reverse dependency order); Stopped: all stopped;
    /// Normal: whatever does not run started in dependency order and awaited; other modes: nothing.</summary>
    public static async Task ConvergeAsync(OperationJournal j, IDockerEngine docker, EngineOptions options, TimeProvider time, string project, OperationMode mode)
    {
        ArgumentNullException.ThrowIfNull(j);
        var lifecycle = new LifecycleExecutor(docker, options, time);
        switch (mode)
        {
            case OperationMode.Maintenance:
                await lifecycle.StopAsync(j, project, c => !MaintenanceLabels.KeepsRunning(c));
                break;
            case OperationMode.Stopped:
                await lifecycle.StopAsync(j, project);
                break;
            case OperationMode.Normal:
                await lifecycle.StartAsync(j, project, await NeedsStartAsync(docker, project, j.Stopping));
                break;
        }
    }

    /// <summary>What a return to Normal starts: containers that do not run, except one-offs (services others wait on to
    /// complete, such as migrations) that already completed.</summary>
    private static async Task<Func<ContainerSummary, bool>> NeedsStartAsync(IDockerEngine docker, string project, CancellationToken ct)
    {
        var containers = await new ProjectContainers(docker).ListAsync(project, ct);
        var oneOffs = LifecycleExecutor.Dependencies(containers).Values.SelectMany(d => d)
            .Where(d => d.Condition == "service_completed_successfully").Select(d => d.Service).ToHashSet(StringComparer.Ordinal);
        return c => c.State is not ("running" or "restarting")
                    && !(oneOffs.Contains(ProjectContainers.ServiceOf(c)) && c.Status?.StartsWith("Exited (0)", StringComparison.Ordinal) == true);
    }
}


/// <summary>The current revision's <c>x-tidegate.maintenanceObserver</c>, resolved with the deployment's variables, as flat
/// key/value pairs; <see cref="Errors"/> when it is not flat or names a connection string the rules refuse. A connection string is
/// never taken from the stack or a deployment variable (an operator sets those): the seed's <c>connectionString: ${DB_CONNECTION}</c>
/// becomes <c>connectionSecret: DB_CONNECTION</c>, a secret variable of the deployment's environment, which only admins set.</summary>
internal sealed record StackObserverSection(IReadOnlyDictionary<string, string?> Values, IReadOnlyList<string> Errors)
{
    /// <summary>The same values with the stack's secret variables masked: what the API shows.</summary>
    public IReadOnlyDictionary<string, string?> Display { get; init; } = Values;
}

internal sealed partial class DeploymentService
{
    public async Task<StackObserverSection?> StackObserverAsync(DeploymentRecord deployment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        if (deployment.CurrentRevision is not { } number || await store.Revisions.GetAsync(deployment.Id, number, ct) is not { } revision
            || OperationJournal.Deserialize<StoredDefinition>(revision.Definition) is not { } stored
            || !stored.Source.Contains("maintenanceObserver", StringComparison.Ordinal))
        {
            return null;
        }

        var values = await store.Revisions.GetVariablesWithSecretsAsync(deployment.Id, number, ct) ?? [];
        var template = stored.Load(ct);
        var (stack, _, _) = await ResolveAsync(template, deployment.EnvironmentId, values, ct);
        if (stack?.Extension.Section("maintenanceObserver") is not { } section)
        {
            return null;
        }

        if (section is not Definitions.Yaml.YMap map)
        {
            return new StackObserverSection(new Dictionary<string, string?>(), ["x-tidegate.maintenanceObserver must be a mapping"]);
        }

        var errors = new List<string>();
        var flat = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var entry in map.Entries)
        {
            if (entry.Key.Value == "connectionString")
            {
                // As written, before interpolation: only a reference to a variable names a secret; its value is not used here.
                var written = ((template.Tree as Definitions.Yaml.YMap)?[Definitions.Variables.TidegateExtensionParser.Key] as Definitions.Yaml.YMap)?
                    ["maintenanceObserver"] is Definitions.Yaml.YMap raw && raw["connectionString"] is Definitions.Yaml.YScalar s ? s.Value : null;
                if (written is not null && SecretReference().Match(written.Trim()) is { Success: true } reference)
                {
                    flat["connectionSecret"] = reference.Groups["name"].Value;
                }
                else
                {
                    errors.Add("x-tidegate.maintenanceObserver.connectionString must be a reference to a secret variable of the environment, "
                               + "e.g. ${DB_CONNECTION} (or use connectionSecret: DB_CONNECTION); a connection string written in the stack is not used");
                }
            }
            else if (entry.Value is Definitions.Yaml.YScalar scalar)
            {
                flat[entry.Key.Value] = scalar.IsNull ? null : scalar.Value;
            }
            else
            {
                errors.Add($"x-tidegate.maintenanceObserver.{entry.Key.Value} must be a single value");
            }
        }

        var display = new Dictionary<string, string?>(flat, StringComparer.Ordinal);
        if ((stack.TidegateSection as Definitions.Yaml.YMap)?["maintenanceObserver"] is Definitions.Yaml.YMap masked)
        {
            foreach (var entry in masked.Entries.Where(e => display.ContainsKey(e.Key.Value) && e.Value is Definitions.Yaml.YScalar))
            {
                display[entry.Key.Value] = entry.Value is Definitions.Yaml.YScalar { IsNull: false } m ? m.Value : null;
            }
        }

        return new StackObserverSection(flat, errors) { Display = display };
    }
}

internal sealed partial class DeploymentService
{
    /// <summary><c>${NAME}</c> or <c>$NAME</c>, nothing around it.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^\$(\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\}|(?<name>[A-Za-z_][A-Za-z0-9_]*))$")]
    private static partial System.Text.RegularExpressions.Regex SecretReference();
}
