namespace Tidegate.Docker;

public sealed record DockerClientOptions
{
    /// <summary>How many times an idempotent read is retried after a transient connection failure.</summary>
    public int ReadRetries { get; init; } = 3;

    /// <summary>Delay before the first retry; doubled for each further one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Highest API version this client asks for; the engine's own version caps it.</summary>
    public Version MaximumApiVersion { get; init; } = DockerClient.MaximumApiVersion;
}
