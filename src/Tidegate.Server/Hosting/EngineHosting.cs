using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Health;
using Tidegate.Core.Store;
using Tidegate.Server.Environments;
using Tidegate.Server.Progress;
using ServerConnectionTestResult = Tidegate.Server.Environments.ConnectionTestResult;

namespace Tidegate.Server.Hosting;

/// <summary>Registers the deployment engine and fills the server's engine seams.</summary>
internal static class EngineHosting
{
    public static IServiceCollection AddTidegateEngine(this IServiceCollection services)
    {
        services.AddSingleton(sp => ReadOptions(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IOptions<ServerOptions>>().Value));
        services.AddSingleton<IDockerEngineFactory, DockerEngineFactory>();
        services.AddSingleton<IOperationProgressSink, PublishingProgressSink>();
        services.AddSingleton<DeploymentService>();
        services.AddSingleton<Reconciler>();
        services.AddSingleton<EnvironmentService>();
        services.AddSingleton<HealthMonitors>();
        services.AddSingleton<IEnvironmentConnectionTester, EngineConnectionTester>();
        services.AddSingleton<IReadinessCheck, DockerReadinessCheck>();
        services.AddHostedService<EngineStartup>();
        return services;
    }

    /// <summary>The endpoint of the default environment: <c>DockerEndpoint</c> (TIDEGATE_DockerEndpoint), else DOCKER_HOST, else the local socket.</summary>
    public static string? DefaultEndpoint(IConfiguration configuration)
        => configuration["DockerEndpoint"] is { Length: > 0 } configured ? configured
            : Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : null;

    /// <summary>The <c>Engine</c> section: <c>HealthTimeout</c>, <c>LockLease</c>, <c>ReconcileRetry</c>, <c>ReconcileInterval</c> (TimeSpans) and <c>Labels</c> (added to
    /// every resource the engine creates; tests use it to own what they deploy). Written secrets and configs go to {DataDirectory}/files.</summary>
    private static EngineOptions ReadOptions(IConfiguration configuration, ServerOptions server)
    {
        var section = configuration.GetSection("Engine");
        var defaults = new EngineOptions();
        return defaults with
        {
            HealthTimeout = TimeSpanOr(section["HealthTimeout"], defaults.HealthTimeout),
            LockLease = TimeSpanOr(section["LockLease"], defaults.LockLease),
            ReconcileRetry = TimeSpanOr(section["ReconcileRetry"], defaults.ReconcileRetry),
            ReconcileInterval = TimeSpanOr(section["ReconcileInterval"], defaults.ReconcileInterval),
            KillAtStep = section["KillAtStep"] is { Length: > 0 } killAt ? killAt : null,
            ExtraLabels = section.GetSection("Labels").GetChildren().Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal),
            FilesDirectory = Path.Combine(Path.GetFullPath(server.DataDirectory), "files"),
        };
    }

    private static TimeSpan TimeSpanOr(string? text, TimeSpan fallback)
        => text is null ? fallback
            : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero ? value
            : throw new InvalidOperationException($"Engine setting '{text}' is not a positive duration (hh:mm:ss).");
}

/// <summary>The engine's progress goes through the server's publisher (store + hub + SSE); the publisher stores the
/// event, so this only adds what the store sink does besides: the operation's phase and percent.</summary>
internal sealed class PublishingProgressSink(IProgressPublisher publisher, StoreHolder holder, Observers.ObserverHost observers) : IOperationProgressSink
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
        await publisher.PublishAsync(new ProgressUpdate(progress.OperationId, progress.DeploymentId, progress.SessionId, progress.Phase, progress.Message,
            progress.PercentComplete, progress.CurrentService, progress.ServicesTotal, progress.ServicesCompleted, progress.Status.ToString(), kind), ct);
        await holder.Store.Operations.ReportProgressAsync(progress.OperationId, progress.Phase, progress.PercentComplete, ct);
        if (kind is not ProgressEventKind.Progress)
        {
            // A deployment may have been added, changed revision or gone: its observer starts, restarts or stops now.
            observers.Nudge();
        }
    }

    public Task ModeChangedAsync(ModeChange change, CancellationToken ct) => publisher.PublishModeChangedAsync(change, ct);
}

internal sealed class EngineConnectionTester(EnvironmentService environments) : IEnvironmentConnectionTester
{
    public async Task<ServerConnectionTestResult> TestAsync(DeploymentEnvironment environment, CancellationToken ct)
        => await environments.TestAsync(environment, ct) switch
        {
            Core.Environments.ConnectionTestResult.Reachable r => new ServerConnectionTestResult(true, r.EngineVersion, r.ApiVersion, null, r.Latency),
            Core.Environments.ConnectionTestResult.Unreachable u => new ServerConnectionTestResult(false, null, null, u.Error, TimeSpan.Zero),
            var other => throw new InvalidOperationException($"Unexpected connection test result {other}."),
        };
}

/// <summary>/readyz: the default environment's Docker engine answers.</summary>
internal sealed class DockerReadinessCheck(StoreHolder holder, EnvironmentService environments) : IReadinessCheck
{
    public string Name => "docker";

    public async Task<ReadinessResult> CheckAsync(CancellationToken ct)
    {
        if (await holder.Store.Environments.GetDefaultAsync(ct) is not { } environment)
        {
            return new ReadinessResult(Name, false, "No default environment yet.");
        }
        return await environments.TestAsync(environment, ct) switch
        {
            Core.Environments.ConnectionTestResult.Reachable r => new ReadinessResult(Name, true, $"{r.Endpoint}: Docker {r.EngineVersion}"),
            Core.Environments.ConnectionTestResult.Unreachable u => new ReadinessResult(Name, false, u.Error),
            _ => new ReadinessResult(Name, false, null),
        };
    }
}

/// <summary>One live <see cref="HealthMonitor"/> per environment, keyed by environment id.</summary>
internal sealed class HealthMonitors
{
    public ConcurrentDictionary<string, HealthMonitor> ByEnvironment { get; } = new(StringComparer.Ordinal);
}

/// <summary>At start: the default environment, then reconciliation of what a previous process left unfinished,
/// then a health monitor per environment in the background. At stop: the engine is abandoned as a crash would
/// leave it (docs/engine.md), so the next start reconciles.</summary>
/// <remarks>The engine's services need the store, which is opened after hosted services are built, so they are
/// resolved in <see cref="StartAsync"/>.</remarks>
internal sealed class EngineStartup(
    IServiceProvider services, StoreHolder holder, IDockerEngineFactory engines, HealthMonitors monitors, EngineOptions options, TimeProvider time,
    IConfiguration configuration, ILogger<EngineStartup> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var environments = services.GetRequiredService<EnvironmentService>();
        var reconciler = services.GetRequiredService<Reconciler>();
        var deployments = services.GetRequiredService<DeploymentService>();
        var local = await environments.EnsureDefaultAsync(EngineHosting.DefaultEndpoint(configuration), cancellationToken);
        Log.DefaultEnvironment(logger, local.Name, local.DockerEndpoint);
        if (options.KillAtStep is { } killAt)
        {
            Log.KillAtStep(logger, killAt);
        }

        // The first pass settles what it can before the server answers; an environment whose engine does not answer keeps
        // its interrupted operations (and their locks) until the background passes settle them.
        try
        {
            var report = await reconciler.ReconcileAsync(atStartup: true, deployments.IsRunningHere, cancellationToken);
            LogPass(report);
            foreach (var drift in report.Drift)
            {
                Log.Drift(logger, drift.Project, drift.Kind, drift.Detail);
            }
            Log.ReconcileDone(logger, report.Operations.Count, report.Drift.Count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The server still serves the catalog, users and history without an engine; /readyz reports it.
            Log.ReconcileFailed(logger, ex, local.DockerEndpoint);
        }

        _loops.Add(Task.Run(() => reconciler.KeepSettlingAsync(deployments.IsRunningHere, LogPass,
            ex => Log.ReconcilePassFailed(logger, ex), _stopping.Token), CancellationToken.None));
        foreach (var environment in (await holder.Store.Environments.ListAsync(new Page(1000, 0), cancellationToken)).Items)
        {
            _loops.Add(MonitorAsync(environment, _stopping.Token));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            services.GetRequiredService<DeploymentService>().Abandon();
            await _stopping.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed by the container: the host is past shutdown and nothing is left to wait for.
            return;
        }
        try
        {
            await Task.WhenAll(_loops).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout passed: the monitors are cancelled and end on their own; stopping must not fail.
        }
    }

    public void Dispose() => _stopping.Dispose();

    private void LogPass(ReconcileReport report)
    {
        foreach (var op in report.Operations)
        {
            Log.Reconciled(logger, op.OperationId, op.Kind, op.Project, op.Result, op.What);
        }
        foreach (var left in report.Unsettled)
        {
            Log.ReconcileUnsettled(logger, left.OperationId, left.Project, left.Why);
        }
    }

    private async Task MonitorAsync(DeploymentEnvironment environment, CancellationToken ct)
    {
        await Task.Yield();
        using var docker = engines.Open(environment);
        // Health in mode context: maintenance is planned downtime, and alerts wait while an operation changes the containers.
        var monitor = new HealthMonitor(docker, options, time, async (project, token) =>
        {
            if (await holder.Store.Deployments.GetByNameAsync(environment.Id, project, token) is not { } deployment)
            {
                return null;
            }
            var held = await holder.Store.Locks.GetAsync(deployment.Id, token);
            return new ModeContext(deployment.Mode, held?.ExpiresAt > time.GetUtcNow());
        });
        monitor.Alert += health => Log.HealthAlert(logger, health.Project, health.Health.ToString());
        monitor.Faulted += (ex, pause) => Log.HealthMonitorFaulted(logger, ex, environment.Name, pause);
        monitors.ByEnvironment[environment.Id] = monitor;
        try
        {
            await monitor.RunAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.HealthMonitorFailed(logger, ex, environment.Name, environment.DockerEndpoint);
        }
        finally
        {
            monitors.ByEnvironment.TryRemove(environment.Id, out _);
        }
    }
}
