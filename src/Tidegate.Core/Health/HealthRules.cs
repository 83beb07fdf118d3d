using System.Globalization;
using Tidegate.Core.Store;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Health;

/// <summary>What the containers are actually doing; separate from the operation mode.</summary>
internal enum HealthState
{
    Healthy,
    Degraded,
    Unhealthy,
    Unknown,

    /// <summary>Stopped on purpose by maintenance (planned downtime, not a failure).</summary>
    Maintenance,

    /// <summary>Stopped on purpose: the deployment's operation mode is Stopped.</summary>
    Stopped,
}

/// <summary>The health rules in one place: per container, folded per service and per deployment.</summary>
internal static class HealthRules
{
    /// <summary>Restarts at or above this count mark a container as restart-looping (Unhealthy) even while it runs.</summary>
    public const int RestartLoopThreshold = 3;

    /// <param name="oneOff">A service that is meant to run to completion (a migration): exit 0 is healthy.</param>
    public static HealthState OfContainer(ContainerState? state, int restartCount, bool oneOff)
    {
        if (state is null)
        {
            return HealthState.Unknown;
        }

        if (state.Restarting || restartCount >= RestartLoopThreshold && state.Running && state.Health?.Status != "healthy")
        {
            return HealthState.Unhealthy;
        }

        if (state.Running)
        {
            // A running container without a healthcheck counts as healthy: running is all it promises.
            return state.Health?.Status switch
            {
                null or "" or "none" or "healthy" => HealthState.Healthy,
                "starting" => PassedSinceStart(state) ? HealthState.Healthy : HealthState.Unknown,
                _ => HealthState.Unhealthy,
            };
        }

        return oneOff && state.ExitCode == 0 && state.Status == "exited" ? HealthState.Healthy : HealthState.Unhealthy;
    }

    /// <summary>Engines since moby/moby#47051 reset the health of a live-restored container to "starting" although it kept running
    /// through the daemon restart (its StartedAt is unchanged), so read as starting it would turn a healthy deployment Degraded.
    /// When the last probe of this run passed, Docker itself would already say healthy for a freshly started container, so the
    /// verdict stays Healthy; probes from before a (re)start do not count.</summary>
    private static bool PassedSinceStart(ContainerState state) =>
        state.Health?.Log is [.., var last] && last.ExitCode == 0
        && DateTimeOffset.TryParse(state.StartedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var started)
        && last.Start >= started;

    /// <summary>The container verdict in the context of the operation mode: a container that does not run because the mode
    /// says it should not (Maintenance without a keep-running label, or Stopped) is planned downtime, not Unhealthy.
    /// A finished one-off (already Healthy) stays Healthy.</summary>
    public static HealthState InMode(HealthState verdict, OperationMode mode, bool running, bool keepsRunning) => (mode, running) switch
    {
        (_, true) or (_, false) when verdict == HealthState.Healthy => verdict,
        (OperationMode.Maintenance, false) when !keepsRunning => HealthState.Maintenance,
        (OperationMode.Stopped, false) => HealthState.Stopped,
        _ => verdict,
    };

    public static bool IsPlanned(HealthState state) => state is HealthState.Maintenance or HealthState.Stopped;

    /// <summary>All healthy → Healthy; none healthy → Unhealthy (Unknown while all are still starting); a mix → Degraded.
    /// Planned downtime (Maintenance, Stopped) does not count against health: when everything else is healthy the fold
    /// says Maintenance (or Stopped) instead of down.</summary>
    public static HealthState Fold(IReadOnlyCollection<HealthState> parts)
    {
        if (parts.Any(IsPlanned))
        {
            var rest = parts.Where(p => !IsPlanned(p)).ToList();
            if (rest.All(p => p == HealthState.Healthy))
            {
                return parts.Contains(HealthState.Maintenance) ? HealthState.Maintenance : HealthState.Stopped;
            }

            parts = rest;
        }

        if (parts.Count == 0 || parts.All(p => p == HealthState.Unknown))
        {
            return HealthState.Unknown;
        }

        if (parts.All(p => p == HealthState.Healthy))
        {
            return HealthState.Healthy;
        }

        return parts.Any(p => p is HealthState.Healthy or HealthState.Degraded) ? HealthState.Degraded : HealthState.Unhealthy;
    }
}
