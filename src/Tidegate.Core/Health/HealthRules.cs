using Tidegate.Docker.Containers;

namespace Tidegate.Core.Health;

/// <summary>What the containers are actually doing; separate from the operation mode.</summary>
internal enum HealthState
{
    Healthy,
    Degraded,
    Unhealthy,
    Unknown,
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
                "starting" => HealthState.Unknown,
                _ => HealthState.Unhealthy,
            };
        }

        return oneOff && state.ExitCode == 0 && state.Status == "exited" ? HealthState.Healthy : HealthState.Unhealthy;
    }

    /// <summary>All healthy → Healthy; none healthy → Unhealthy (Unknown while all are still starting); a mix → Degraded.</summary>
    public static HealthState Fold(IReadOnlyCollection<HealthState> parts)
    {
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
