using Tidegate.Docker.Containers;

namespace Tidegate.Core.Engine;

/// <summary>Waits on container conditions by polling inspect (health status changes are not all in the
/// event stream of API 1.41 with their output), and explains failures with the last health-check output
/// and the tail of the logs.</summary>
internal sealed class ContainerWaits(IDockerEngine docker, EngineOptions options, TimeProvider time)
{
    /// <summary>Healthy when the container has a healthcheck; running when it has none.</summary>
    public async Task WaitHealthyAsync(string service, string containerId, TimeSpan? startPeriod, CancellationToken ct)
    {
        var limit = options.HealthTimeout + (startPeriod ?? TimeSpan.Zero);
        var deadline = time.GetUtcNow() + limit;
        while (true)
        {
            var inspect = await docker.ContainerInspectAsync(containerId, ct)
                          ?? throw new DeploymentFailedException($"Service {service}: container {containerId[..12]} disappeared.");
            var state = inspect.State;
            if (state is { Running: true, Restarting: false } && (state.Health is null || state.Health.Status == "healthy"))
            {
                return;
            }

            if (state?.Health?.Status == "unhealthy")
            {
                throw await FailureAsync(service, containerId, inspect, "is unhealthy", ct);
            }

            if (state is { Running: false, Restarting: false } && state.Status is "exited" or "dead")
            {
                throw await FailureAsync(service, containerId, inspect, $"exited with code {state.ExitCode}", ct);
            }

            if (state is { Status: "created" })
            {
                throw await FailureAsync(service, containerId, inspect, "was created but never started", ct);
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw await FailureAsync(service, containerId, inspect, $"did not become healthy within {limit.TotalSeconds:0}s", ct);
            }

            await Task.Delay(options.PollInterval, time, ct);
        }
    }

    /// <summary>For service_completed_successfully: the container has exited with code 0.</summary>
    public async Task WaitCompletedAsync(string service, string containerId, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + options.HealthTimeout;
        while (true)
        {
            var inspect = await docker.ContainerInspectAsync(containerId, ct)
                          ?? throw new DeploymentFailedException($"Service {service}: container {containerId[..12]} disappeared.");
            if (inspect.State is { Status: "created" })
            {
                throw await FailureAsync(service, containerId, inspect, "was created but never started", ct);
            }

            if (inspect.State is { Running: false, Restarting: false, Status: "exited" or "dead" } state)
            {
                if (state.ExitCode == 0)
                {
                    return;
                }

                throw await FailureAsync(service, containerId, inspect, $"exited with code {state.ExitCode}", ct);
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw await FailureAsync(service, containerId, inspect, $"did not complete within {options.HealthTimeout.TotalSeconds:0}s", ct);
            }

            await Task.Delay(options.PollInterval, time, ct);
        }
    }

    /// <summary>True when the container has exited with code 0 (a finished one-off such as a migration).</summary>
    public async Task<bool> HasCompletedAsync(string containerId, CancellationToken ct) =>
        await docker.ContainerInspectAsync(containerId, ct) is { State: { Running: false, Status: "exited", ExitCode: 0 } };

    private async Task<DeploymentFailedException> FailureAsync(
        string service, string containerId, ContainerInspectResponse inspect, string what, CancellationToken ct)
    {
        var health = inspect.State?.Health?.Log is { Count: > 0 } log ? log[^1].Output?.Trim() : null;
        IReadOnlyList<string> tail;
        try
        {
            tail = await docker.LogTailAsync(containerId, options.LogTailLines, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            tail = [$"(logs unavailable: {ex.Message})"];
        }

        var message = $"Service {service} ({inspect.Name?.TrimStart('/') ?? containerId}) {what}."
                      + (health is { Length: > 0 } ? $"\nLast health check: {health}" : string.Empty)
                      + (tail.Count > 0 ? "\nLog tail:\n" + string.Join('\n', tail) : "\nLog tail: (empty)");
        return new DeploymentFailedException(message);
    }
}
