namespace Tidegate.Core.Engine;

/// <summary>Engine settings. Durations are TimeSpans; defaults suit a single host.</summary>
internal sealed record EngineOptions
{
    /// <summary>Lock lease; renewed every third of it while the operation runs (a failed renewal is retried while the lease
    /// lasts), so a crashed holder blocks at most this long. An operation whose lease is lost stops before its next step.</summary>
    public TimeSpan LockLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First pause before the reconciler tries again to settle an interrupted operation (its environment's engine
    /// did not answer); it doubles up to a third of <see cref="LockLease"/>.</summary>
    public TimeSpan ReconcileRetry { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Pause between reconciliation passes when nothing is left unsettled (picks up operations that lost their lease).</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a service may take to become healthy (on top of its start_period).</summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How often container state is polled while waiting for a health or exit condition.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Full re-read of every container's state by the health monitor, in case an event was missed.</summary>
    public TimeSpan HealthResyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait before reconnecting to the events stream after it broke (daemon restart, network).</summary>
    public TimeSpan EventsReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A container that dies this many times within <see cref="RestartLoopWindow"/> is restart-looping.</summary>
    public int RestartLoopThreshold { get; init; } = 3;

    public TimeSpan RestartLoopWindow { get; init; } = TimeSpan.FromMinutes(1);

    public int LogTailLines { get; init; } = 20;

    public int RevisionRetention { get; init; } = 10;

    public int BackupRetention { get; init; } = 10;

    /// <summary>Who holds locks taken by this process (one id per engine instance).</summary>
    public string Holder { get; init; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Where secrets and configs from <c>environment</c> or <c>content</c> are written to be bind-mounted (one 0700
    /// directory per environment and deployment). The server sets {DataDirectory}/files.</summary>
    public string FilesDirectory { get; init; } = Path.Combine("data", "files");

    /// <summary>The files directory of one environment: deployment names are unique per environment only, so each has its own.</summary>
    public string FilesDirectoryFor(string environmentId) => Path.Combine(FilesDirectory, environmentId);

    /// <summary>Labels added to every container, network and volume the engine creates.</summary>
    public IReadOnlyDictionary<string, string> ExtraLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>Called after a step is journaled as begun, before it acts. A test seam for crash simulation: throwing
    /// <see cref="OperationCanceledException"/> for the engine's stopping token leaves the operation as a crash would.</summary>
    public Func<string, CancellationToken, Task>? BeforeStep { get; init; }

    /// <summary>Fault injection for crash tests (<c>Engine:KillAtStep</c>): <c>&lt;operation kind&gt;:&lt;step&gt;</c>, for example
    /// <c>Upgrade:retire</c>. The process sends itself SIGKILL right after that step is journaled as begun — a real crash at
    /// an exact point, which the next start must reconcile. Never set in production; the server logs a warning when it is.</summary>
    public string? KillAtStep { get; init; }
}
