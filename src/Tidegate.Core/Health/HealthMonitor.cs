using System.Collections.Concurrent;
using Tidegate.Core.Engine;
using Tidegate.Docker;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Health;

internal sealed record ServiceHealth(string Service, HealthState Health, int Containers, int Restarts, bool RestartLoop);

internal sealed record DeploymentHealth(string Project, HealthState Health, IReadOnlyList<ServiceHealth> Services, DateTimeOffset At);

/// <summary>What the monitor needs to read health in mode context: the project's operation mode, and whether an operation
/// is changing its containers right now (a start, stop or mode change: its own result reports failures).</summary>
internal sealed record ModeContext(Store.OperationMode Mode, bool OperationRunning);

/// <summary>Live health of every Tidegate-managed project on one engine: the events stream triggers a re-read of the
/// affected project, a periodic resync catches anything missed, and a broken stream (daemon restart) is reconnected
/// and followed by a resync, so a restart of the daemon does not turn into false failures.</summary>
/// <remarks><paramref name="modeOf"/> gives the project's <see cref="ModeContext"/> (null: not a known deployment): containers stopped
/// by maintenance are planned downtime, and <see cref="Alert"/> stays silent for planned downtime and while an operation runs.</remarks>
internal sealed class HealthMonitor(IDockerEngine docker, EngineOptions options, TimeProvider time,
    Func<string, CancellationToken, Task<ModeContext?>>? modeOf = null)
{
    private readonly ConcurrentDictionary<string, DeploymentHealth> _current = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> _deaths = new(StringComparer.Ordinal);
    private int _reconnects;

    /// <summary>Raised when a project's folded health changes (the server pushes it to the hub).</summary>
    public event Action<DeploymentHealth>? Changed;

    /// <summary>Raised when a project turns Degraded or Unhealthy outside planned downtime and outside a running operation.</summary>
    public event Action<DeploymentHealth>? Alert;

    /// <summary>How many alerts were held back because the downtime was planned or an operation was running.</summary>
    public int SuppressedAlerts => _suppressed;

    private int _suppressed;

    public IReadOnlyDictionary<string, DeploymentHealth> Current => _current;

    public int Reconnects => _reconnects;

    /// <summary>Raised when watching failed for a reason other than a lost daemon, with the pause before it starts over.</summary>
    public event Action<Exception, TimeSpan>? Faulted;

    private IReadOnlyList<string> Labels =>
        [EngineLabels.Filter(EngineLabels.Managed, "true"), .. options.ExtraLabels.Select(l => EngineLabels.Filter(l.Key, l.Value))];

    public async Task RunAsync(CancellationToken ct)
    {
        using var resync = new PeriodicTimer(options.HealthResyncInterval, time);
        var resyncing = ResyncLoopAsync(resync, ct);
        var faultPause = options.EventsReconnectDelay;
        var lastFault = DateTimeOffset.MinValue;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    // Events are replayed from before the full read, so one between the read and the subscription is not lost.
                    var since = time.GetUtcNow().AddSeconds(-1);
                    await ResyncAsync(ct);
                    await foreach (var e in docker.ContainerEventsAsync(Labels, since, ct))
                    {
                        await OnEventAsync(e, ct);
                    }
                }
                catch (Exception ex) when (!ct.IsCancellationRequested
                                           && ex is DockerUnreachableException or DockerConnectionLostException or DockerApiException or HttpRequestException or IOException)
                {
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    // Not a lost daemon (the store busy, a bug): reported, and the monitor starts over after a growing pause
                    // rather than leaving the environment unwatched.
                    // A fault long after the last one starts the pause over; faults in a row make it grow.
                    if (time.GetUtcNow() - lastFault > TimeSpan.FromMinutes(10))
                    {
                        faultPause = options.EventsReconnectDelay;
                    }

                    lastFault = time.GetUtcNow();
                    Faulted?.Invoke(ex, faultPause);
                    await Task.Delay(faultPause, time, ct);
                    faultPause = TimeSpan.FromTicks(Math.Min(faultPause.Ticks * 2, TimeSpan.FromMinutes(2).Ticks));
                }

                if (!ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _reconnects);
                    await Task.Delay(options.EventsReconnectDelay, time, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        await resyncing;
    }

    /// <summary>Re-reads every managed project from scratch.</summary>
    public async Task ResyncAsync(CancellationToken ct)
    {
        var projects = (await docker.ContainersAsync(Labels, ct))
            .Select(c => c.Labels?.GetValueOrDefault(EngineLabels.Project)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        foreach (var project in projects)
        {
            await RefreshAsync(project, ct);
        }

        foreach (var gone in _current.Keys.Except(projects, StringComparer.Ordinal))
        {
            _current.TryRemove(gone, out _);
        }
    }

    private async Task ResyncLoopAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await ResyncAsync(ct);
                }
                catch (Exception ex) when (ex is DockerUnreachableException or DockerConnectionLostException or DockerApiException or HttpRequestException or IOException)
                {
                    // The daemon is away; the events loop reconnects and resyncs when it is back.
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Anything else (the store busy, a bug) is reported; the next tick tries again.
                    Faulted?.Invoke(ex, options.HealthResyncInterval);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task OnEventAsync(Docker.Events.EventMessage e, CancellationToken ct)
    {
        if (e.Actor?.Attributes?.GetValueOrDefault(EngineLabels.Project) is not { } project)
        {
            return;
        }

        if (e.Action == "die" && e.Actor.Id is { } id)
        {
            _deaths.GetOrAdd(id, _ => new ConcurrentQueue<DateTimeOffset>()).Enqueue(time.GetUtcNow());
        }

        await RefreshAsync(project, ct);
    }

    private async Task RefreshAsync(string project, CancellationToken ct)
    {
        var containers = (await docker.ContainersAsync([EngineLabels.Filter(EngineLabels.Project, project), .. Labels], ct))
            .Where(c => !ProjectContainers.IsRetired(c)).ToList();
        var oneOffs = LifecycleExecutor.Dependencies(containers).Values.SelectMany(d => d)
            .Where(d => d.Condition == "service_completed_successfully").Select(d => d.Service).ToHashSet(StringComparer.Ordinal);
        var context = modeOf is null ? null : await modeOf(project, ct);
        var services = new List<ServiceHealth>();
        foreach (var group in containers.GroupBy(ProjectContainers.ServiceOf))
        {
            var verdicts = new List<HealthState>();
            var restarts = 0;
            var looping = false;
            foreach (var c in group)
            {
                var inspect = await docker.ContainerInspectAsync(c.Id, ct);
                var loop = RestartLoop(c.Id);
                looping |= loop;
                restarts += inspect?.RestartCount ?? 0;
                var verdict = loop ? HealthState.Unhealthy : HealthRules.OfContainer(inspect?.State, 0, oneOffs.Contains(group.Key));
                verdicts.Add(context is null ? verdict
                    : HealthRules.InMode(verdict, context.Mode, inspect?.State?.Running ?? c.State == "running", MaintenanceLabels.KeepsRunning(c)));
            }

            services.Add(new ServiceHealth(group.Key, HealthRules.Fold(verdicts), verdicts.Count, restarts, looping));
        }

        var longRunning = services.Where(s => !oneOffs.Contains(s.Service)).ToList();
        var health = new DeploymentHealth(project, HealthRules.Fold((longRunning.Count > 0 ? longRunning : services).Select(s => s.Health).ToList()),
            services.OrderBy(s => s.Service, StringComparer.Ordinal).ToList(), time.GetUtcNow());
        var previous = _current.TryGetValue(project, out var p) ? p : null;
        _current[project] = health;
        if (previous is null || previous.Health != health.Health || !previous.Services.SequenceEqual(health.Services))
        {
            Changed?.Invoke(health);
            if (health.Health is HealthState.Degraded or HealthState.Unhealthy && previous?.Health != health.Health)
            {
                // In maintenance the planned downtime is already folded out of the health, so what is left (a keep-running
                // container failing) is a real alert.
                var planned = context is { OperationRunning: true } || context?.Mode is Store.OperationMode.Stopped or Store.OperationMode.Migrating;
                if (planned)
                {
                    Interlocked.Increment(ref _suppressed);
                }
                else
                {
                    Alert?.Invoke(health);
                }
            }
        }
    }

    private bool RestartLoop(string containerId)
    {
        if (!_deaths.TryGetValue(containerId, out var deaths))
        {
            return false;
        }

        var since = time.GetUtcNow() - options.RestartLoopWindow;
        while (deaths.TryPeek(out var oldest) && oldest < since)
        {
            deaths.TryDequeue(out _);
        }

        return deaths.Count >= options.RestartLoopThreshold;
    }
}
