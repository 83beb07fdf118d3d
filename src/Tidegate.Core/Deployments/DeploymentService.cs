using System.Collections.Concurrent;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Variables;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Core.Deployments;

/// <summary>The application-facing engine API. Every state-changing call starts a persisted operation under the
/// deployment's lock and returns its id at once (or a typed refusal); the work runs in the background.</summary>
internal sealed partial class DeploymentService(
    TidegateStore store, IDockerEngineFactory engines, IOperationProgressSink progress, EngineOptions options, TimeProvider time,
    OperationCancellation? cancellations = null, Strategies.RolloutStrategies? strategies = null) : IAsyncDisposable
{
    /// <summary>Blue-green, canary and rolling through the edge; null where no edge is configured (engine tests, benchmarks).</summary>
    private readonly Strategies.RolloutStrategies? _strategies = strategies;

    private readonly OperationCancellation _cancellations = cancellations ?? new OperationCancellation();
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;
    private readonly ConcurrentDictionary<string, Task<OperationRecord>> _running = new(StringComparer.Ordinal);

    // Deployment id → the secret values of the operation running on it (one at a time, under the lock): mode-change
    // reasons written from inside the operation are masked with them.
    private readonly ConcurrentDictionary<string, SecretValues> _secrets = new(StringComparer.Ordinal);

    public async Task<OperationStartResult> DeployAsync(DeployRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Validation.Names.CheckDeploymentName("name", request.DeploymentName) is { } nameError)
        {
            return new OperationStartResult.Rejected("invalid deployment name", [nameError]);
        }

        var environment = await store.Environments.GetAsync(request.EnvironmentId, ct);
        if (environment is null)
        {
            return new OperationStartResult.NotFound($"environment {request.EnvironmentId}");
        }

        var template = request.Source.Load(ct);
        var (stack, variables, errors) = await ResolveAsync(template, environment.Id, request.Variables, ct);
        if (errors.Count > 0)
        {
            return new OperationStartResult.Rejected("invalid stack", errors);
        }

        var deployment = await store.Deployments.GetByNameAsync(environment.Id, request.DeploymentName, ct);
        if (deployment is null)
        {
            // No values yet: a deployment keeps the values of the revision it runs, stored when a revision commits.
            var created = await store.Deployments.CreateAsync(
                new NewDeployment(environment.Id, request.DeploymentName, request.StackId, request.ProductId, request.Version), [], ct);
            if (created is not SaveResult<DeploymentRecord>.Saved saved)
            {
                return new OperationStartResult.Rejected("duplicate deployment", [$"a deployment named {request.DeploymentName} already exists"]);
            }

            deployment = saved.Value;
        }

        var definition = OperationJournal.Serialize(StoredDefinition.Of(request.Source, stack!))!;
        var opRequest = new OperationRequest(request.RequestedBy, request.Reason, request.SessionId);
        return await StartAsync(deployment, OperationKind.Deploy, opRequest, (j, docker) =>
        {
            var work = new DeployWork(deployment, stack!, request.StackId, request.Version, definition, variables, request.RequestedBy,
                request.Reason ?? (deployment.CurrentRevision is null ? "deploy" : "new revision"), ForcePull: false) { Cancel = j.Cancel };
            return RunDeployAsync(j, docker, work);
        }, ct, stack!.Secrets);
    }

    /// <summary>Deploys with the stack's x-tidegate.strategy: blue-green, canary and rolling through the edge when this engine
    /// runs one; otherwise (and for recreate) the deploy flow of <see cref="DeployExecutor"/>.</summary>
    private Task<(OperationStatus, string?)> RunDeployAsync(OperationJournal j, IDockerEngine docker, DeployWork work)
    {
        var (kind, errors) = Strategies.RolloutStrategies.Resolve(null, work.Stack);
        return errors.Count == 0 && _strategies?.Create(kind, store, docker, options) is { } rollout
            ? rollout.RunAsync(j, work)
            : RecreateAsync(j, docker, new DeployExecutor(store, docker, options, time), work);
    }

    /// <summary>Deploys the current revision again with a fresh pull of every image (a new revision number records the attempt).</summary>
    public async Task<OperationStartResult> RedeployAsync(string deploymentId, OperationRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deployment = await store.Deployments.GetAsync(deploymentId, ct);
        if (deployment?.CurrentRevision is not { } number || await store.Revisions.GetAsync(deploymentId, number, ct) is not { } revision)
        {
            return new OperationStartResult.NotFound($"a deployed revision of deployment {deploymentId}");
        }

        var stored = OperationJournal.Deserialize<StoredDefinition>(revision.Definition)!;
        var values = await store.Revisions.GetVariablesWithSecretsAsync(deploymentId, number, ct) ?? [];
        var (stack, variables, errors) = await ResolveAsync(stored.Load(ct), deployment.EnvironmentId, values, ct);
        if (errors.Count > 0)
        {
            return new OperationStartResult.Rejected("the stored revision no longer resolves", errors);
        }

        return await StartAsync(deployment, OperationKind.Redeploy, request, (j, docker) =>
            RunDeployAsync(j, docker, new DeployWork(deployment, stack!, revision.StackId, revision.Version,
                revision.Definition, variables, request.RequestedBy, request.Reason ?? $"redeploy of revision {number}", ForcePull: true) { Cancel = j.Cancel }), ct,
            stack!.Secrets);
    }

    public Task<OperationStartResult> StartAsync(string deploymentId, OperationRequest request, CancellationToken ct) =>
        LifecycleAsync(deploymentId, OperationKind.Start, request, async (l, j, d) =>
        {
            await l.StartAsync(j, d.Name);
            return await EdgeFollowAsync(j, l.Docker, d);
        }, ct);

    public Task<OperationStartResult> StopAsync(string deploymentId, OperationRequest request, CancellationToken ct) =>
        LifecycleAsync(deploymentId, OperationKind.Stop, request, async (l, j, d) =>
        {
            await l.StopAsync(j, d.Name);
            return null;
        }, ct);

    public Task<OperationStartResult> RestartAsync(string deploymentId, OperationRequest request, CancellationToken ct) =>
        LifecycleAsync(deploymentId, OperationKind.Restart, request, async (l, j, d) =>
        {
            await l.StopAsync(j, d.Name);
            await l.StartAsync(j, d.Name);
            return await EdgeFollowAsync(j, l.Docker, d);
        }, ct);

    /// <summary>Removes containers and networks, and the deployment with its history; volumes stay unless <paramref name="removeVolumes"/>.</summary>
    public Task<OperationStartResult> RemoveAsync(string deploymentId, bool removeVolumes, OperationRequest request, CancellationToken ct) =>
        LifecycleAsync(deploymentId, OperationKind.Remove, request, async (l, j, d) =>
        {
            var project = d.Name;
            await l.RemoveAsync(j, d.EnvironmentId, project, removeVolumes);
            if (_strategies is not null && _strategies.Edge.EntriesOf(d.EnvironmentId, project).Count > 0)
            {
                await j.StepAsync("edge-remove", null, ct => _strategies.Edge.RemoveDeploymentAsync(d.EnvironmentId, project, ct));
            }
            await store.Deployments.DeleteAsync(deploymentId, CancellationToken.None);
            return null;
        }, ct);

    public async Task<DeploymentStatus?> GetStatusAsync(string deploymentId, CancellationToken ct)
    {
        var deployment = await store.Deployments.GetAsync(deploymentId, ct);
        if (deployment is null || await store.Environments.GetAsync(deployment.EnvironmentId, ct) is not { } environment)
        {
            return null;
        }

        var held = await store.Locks.GetAsync(deploymentId, ct);
        using var docker = engines.Open(environment);
        return await DeploymentStatusReader.ReadAsync(docker, deployment, held?.ExpiresAt > time.GetUtcNow() ? held.OperationId : null, ct);
    }

    /// <summary>Completes when the operation reaches a final status (or, after a simulated crash, when this instance gave up on it).</summary>
    public async Task<OperationRecord?> WaitForOperationAsync(string operationId, CancellationToken ct) =>
        _running.TryGetValue(operationId, out var task) ? await task.WaitAsync(ct) : await store.Operations.GetAsync(operationId, ct);

    /// <summary>Operations this instance is running right now (the reconciler leaves them alone).</summary>
    public bool IsRunningHere(string operationId) => _running.TryGetValue(operationId, out var t) && !t.IsCompleted;

    /// <summary>Stops working as if the process died: no step ends, no lock is released. Used by shutdown and by crash tests.</summary>
    public void Abandon()
    {
        // Host shutdown may call this after the container already disposed the service; nothing runs then.
        try
        {
            _stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        foreach (var task in _running.Values)
        {
            await task.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        _stopping.Dispose();
    }

    private async Task<OperationStartResult> LifecycleAsync(string deploymentId, OperationKind kind, OperationRequest request,
        Func<LifecycleExecutor, OperationJournal, DeploymentRecord, Task<string?>> body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deployment = await store.Deployments.GetAsync(deploymentId, ct);
        if (deployment is null)
        {
            return new OperationStartResult.NotFound($"deployment {deploymentId}");
        }

        return await StartAsync(deployment, kind, request, async (j, docker) =>
            WithWarning((OperationStatus.Succeeded, null), await body(new LifecycleExecutor(docker, options, time), j, deployment)), ct);
    }

    /// <summary>Only a unix socket is surely this host's engine (a tcp or ssh endpoint may be anywhere).</summary>
    private static bool IsOnThisHost(string endpoint)
    {
        try
        {
            return Docker.DockerEndpoint.Parse(endpoint).Kind == Docker.DockerEndpointKind.Unix;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private async Task<(Definitions.ResolvedStack? Stack, IReadOnlyList<VariableValue> Variables, IReadOnlyList<string> Errors)> ResolveAsync(
        StackTemplate template, string environmentId, IReadOnlyList<VariableValue> values, CancellationToken ct)
    {
        var environmentValues = await store.Environments.GetVariablesWithSecretsAsync(environmentId, ct);
        // Secret by the stack's declaration or by its source: a value given for a name the environment keeps secret is
        // stored encrypted too, and wherever the stack uses either, it is masked (by name and by value).
        var secret = template.Variables.Where(v => v.IsSecret).Select(v => v.Name)
            .Concat(environmentValues.Where(v => v.IsSecret).Select(v => v.Name)).ToHashSet(StringComparer.Ordinal);
        var variables = values.Select(v => v with { IsSecret = v.IsSecret || secret.Contains(v.Name) }).ToList();
        var stack = StackResolver.Resolve(template, new VariableValues
        {
            Environment = environmentValues.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal),
            Deployment = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal),
            SecretNames = secret.Concat(variables.Where(v => v.IsSecret).Select(v => v.Name)).ToHashSet(StringComparer.Ordinal),
        }, ct);
        var errors = stack.Diagnostics.Where(d => d.Severity == Definitions.DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        if (!stack.HasErrors)
        {
            errors.AddRange(stack.Project!.Services.Where(s => s.Image is null).Select(s => $"service {s.Name} has no image (building images is not supported)"));
            errors.AddRange(StackHooks.From(stack).Errors);
            errors.AddRange(Strategies.RolloutSettings.From(stack).Errors);
            if (stack.Project.Services.FirstOrDefault(s => s.Secrets.Count > 0 || s.Configs.Count > 0) is { } mounting
                && await store.Environments.GetAsync(environmentId, ct) is { } environment && !IsOnThisHost(environment.DockerEndpoint))
            {
                // Checked before anything runs: the create would fail only after the old containers were stopped.
                errors.Add($"service {mounting.Name} uses secrets or configs, which are mounted from files on the Tidegate host, but environment " +
                           $"{environment.Name} runs its Docker engine at {environment.DockerEndpoint}; use variables or volumes there");
            }
        }
        else if (errors.Count == 0)
        {
            errors.Add("the stack could not be loaded");
        }

        return (stack, variables, errors);
    }

    /// <param name="secrets">The secret values of the resolved stack the operation runs, besides those of its stored sources.</param>
    private async Task<OperationStartResult> StartAsync(DeploymentRecord deployment, OperationKind kind, OperationRequest request,
        Func<OperationJournal, IDockerEngine, Task<(OperationStatus, string?)>> body, CancellationToken ct, SecretValues? secrets = null)
    {
        var environment = await store.Environments.GetAsync(deployment.EnvironmentId, ct)
                          ?? throw new InvalidOperationException($"Deployment {deployment.Name} has no environment.");
        var masked = (await SecretSources.ForDeploymentAsync(store, deployment, ct)).With(secrets?.Values ?? []);
        var operation = await store.Operations.CreateAsync(new NewOperation(deployment.Id, deployment.Name, kind, request.RequestedBy, request.SessionId), ct);
        // The lease is timed on this engine's clock from before the acquire: a conservative estimate of when it runs out.
        var requestedAt = time.GetUtcNow();
        var acquired = await store.Locks.AcquireAsync(deployment.Id, operation.Id, options.Holder, options.LockLease, ct);
        if (acquired is LockAcquireResult.Held held)
        {
            await store.Operations.TransitionAsync(operation.Id, OperationStatus.Cancelled, $"refused: operation {held.OperationId} is running", CancellationToken.None);
            return new OperationStartResult.Refused(held.OperationId);
        }

        operation = await store.Operations.TransitionAsync(operation.Id, OperationStatus.Running, null, CancellationToken.None) ?? operation;
        _secrets[deployment.Id] = masked;
        var lease = new OperationLease(token => store.Locks.RenewAsync(deployment.Id, operation.Id, options.Holder, options.LockLease, token),
            options.LockLease, requestedAt, time);
        _running[operation.Id] = Task.Run(() => RunAsync(operation, environment, masked, lease, body), CancellationToken.None);
        return new OperationStartResult.Started(operation.Id, deployment.Id);
    }

    private async Task<OperationRecord> RunAsync(OperationRecord operation, DeploymentEnvironment environment, SecretValues secrets, OperationLease lease,
        Func<OperationJournal, IDockerEngine, Task<(OperationStatus, string?)>> body)
    {
        using var cancel = operation.Kind is OperationKind.Deploy or OperationKind.Redeploy or OperationKind.Upgrade or OperationKind.Rollback
            ? _cancellations.Register(operation.Id, "pull", _stopping.Token)
            : null;
        using var journal = new OperationJournal(store, progress, operation, options, _stopping.Token) { Cancel = cancel, Secrets = secrets, Lease = lease };
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var renewing = lease.RunAsync(renewal.Token);
        OperationStatus status;
        string? error;
        try
        {
            using var docker = engines.Open(environment);
            (status, error) = await body(journal, docker);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // As after a crash: the journal shows where it stopped and the reconciler finishes the work.
            await renewal.CancelAsync();
            await renewing;
            return await store.Operations.GetAsync(operation.Id, CancellationToken.None) ?? operation;
        }
        catch (LeaseLostException ex)
        {
            // Someone else may act on the deployment now: nothing more is done here and the lock (no longer ours) is not
            // released. Interrupted, as after a crash: the reconciler settles it once it can take the lock.
            await renewal.CancelAsync();
            await renewing;
            var interrupted = await store.Operations.TransitionAsync(operation.Id, OperationStatus.Interrupted, ex.Message, CancellationToken.None) ?? operation;
            await journal.ProgressAsync("lease-lost", ex.Message, journal.Percent, status: OperationStatus.Interrupted);
            return interrupted;
        }
        catch (Exception ex) when (cancel?.IsCancellationRequested == true && ex is OperationCanceledException or DeploymentFailedException)
        {
            (status, error) = (OperationStatus.Cancelled, $"cancelled by {cancel.RequestedBy} while {journal.Phase}; nothing of the running version was changed");
        }
        catch (Exception ex)
        {
            (status, error) = (OperationStatus.Failed, ex.Message);
        }

        await renewal.CancelAsync();
        await renewing;
        error = secrets.MaskOrNull(error);
        var final = await store.Operations.TransitionAsync(operation.Id, status, error, CancellationToken.None) ?? operation;
        await journal.ProgressAsync(status == OperationStatus.Succeeded ? "completed" : "failed", error ?? "done",
            status == OperationStatus.Succeeded ? 100 : journal.Percent, status: status);
        if (operation.DeploymentId is { } deploymentId)
        {
            _secrets.TryRemove(new KeyValuePair<string, SecretValues>(deploymentId, secrets));
            await store.Locks.ReleaseAsync(deploymentId, operation.Id, CancellationToken.None);
        }

        return await store.Operations.GetAsync(operation.Id, CancellationToken.None) ?? final;
    }
}
