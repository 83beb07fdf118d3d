using Tidegate.Core.Definitions.Yaml;

namespace Tidegate.Core.Definitions.Compose;

// The typed Compose application model: what the deployment engine creates containers from.
// Optional fields are null when the file does not set them, so rendering can leave them out.

internal sealed record ComposeProject
{
    public string? Name { get; init; }
    public IReadOnlyList<ServiceDefinition> Services { get; init; } = [];
    public IReadOnlyList<NetworkDefinition> Networks { get; init; } = [];
    public IReadOnlyList<VolumeDefinition> Volumes { get; init; } = [];
    public IReadOnlyList<FileObjectDefinition> Secrets { get; init; } = [];
    public IReadOnlyList<FileObjectDefinition> Configs { get; init; } = [];

    /// <summary>Top-level <c>x-*</c> sections other than <c>x-tidegate</c>, kept as written.</summary>
    public IReadOnlyDictionary<string, YNode> Extensions { get; init; } = new Dictionary<string, YNode>();

    public ServiceDefinition? Service(string name) => Services.FirstOrDefault(s => s.Name == name);

    /// <summary>The project as started with the given profiles active (15-profiles.md): services without
    /// profiles always, services with profiles only when one of them is active.</summary>
    public ComposeProject WithProfiles(IEnumerable<string> activeProfiles)
    {
        var active = activeProfiles.ToHashSet(StringComparer.Ordinal);
        return this with { Services = Services.Where(s => s.Profiles.Count == 0 || s.Profiles.Any(active.Contains) || active.Contains("*")).ToList() };
    }
}

internal sealed record BuildDefinition(string? Context, string? Dockerfile, string? Target, IReadOnlyDictionary<string, string?> Args);

internal sealed record ServiceDefinition
{
    public required string Name { get; init; }
    public string? Image { get; init; }
    public BuildDefinition? Build { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    public IReadOnlyList<EnvFileReference> EnvFiles { get; init; } = [];
    public IReadOnlyList<PortMapping> Ports { get; init; } = [];
    public IReadOnlyList<string> Expose { get; init; } = [];
    public IReadOnlyList<ServiceVolume> Volumes { get; init; } = [];
    public IReadOnlyDictionary<string, ServiceNetwork?> Networks { get; init; } = new Dictionary<string, ServiceNetwork?>();
    public string? NetworkMode { get; init; }
    public IReadOnlyDictionary<string, ServiceDependency> DependsOn { get; init; } = new Dictionary<string, ServiceDependency>();
    public HealthCheck? HealthCheck { get; init; }
    public string? Restart { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string? User { get; init; }
    public string? WorkingDir { get; init; }
    public string? ContainerName { get; init; }
    public string? Hostname { get; init; }
    public string? Domainname { get; init; }
    public IReadOnlyList<ExtraHost> ExtraHosts { get; init; } = [];
    public IReadOnlyList<string> Dns { get; init; } = [];
    public IReadOnlyList<string> DnsSearch { get; init; } = [];
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public IReadOnlyList<string> CapDrop { get; init; } = [];
    public IReadOnlyList<string> SecurityOpt { get; init; } = [];
    public IReadOnlyList<string> Devices { get; init; } = [];
    public bool? Privileged { get; init; }
    public bool? Init { get; init; }
    public bool? ReadOnly { get; init; }
    public bool? Tty { get; init; }
    public bool? StdinOpen { get; init; }
    public string? StopSignal { get; init; }
    public TimeSpan? StopGracePeriod { get; init; }
    public DeployDefinition? Deploy { get; init; }
    public LoggingDefinition? Logging { get; init; }
    public IReadOnlyDictionary<string, Ulimit> Ulimits { get; init; } = new Dictionary<string, Ulimit>();
    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Tmpfs { get; init; } = [];
    public long? ShmSize { get; init; }
    public long? MemLimit { get; init; }
    public long? MemReservation { get; init; }
    public decimal? Cpus { get; init; }
    public long? PidsLimit { get; init; }
    public IReadOnlyList<ServiceFileReference> Secrets { get; init; } = [];
    public IReadOnlyList<ServiceFileReference> Configs { get; init; } = [];
    public IReadOnlyList<string> Profiles { get; init; } = [];
    public string? PullPolicy { get; init; }
    public string? Platform { get; init; }
    public int? Scale { get; init; }
    public IReadOnlyDictionary<string, YNode> Extensions { get; init; } = new Dictionary<string, YNode>();
}

internal sealed record EnvFileReference(string Path, bool Required);

/// <summary>One published or exposed port. Ranges in the short syntax are expanded to one entry per
/// container port, as <c>docker compose config</c> does; a host range for a single target stays a range.</summary>
internal sealed record PortMapping(int Target, string? Published, string? HostIp, string Protocol, string? Mode, string? Name = null, string? AppProtocol = null);

internal enum VolumeType
{
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Image,
}

internal sealed record ServiceVolume(VolumeType Type, string? Source, string Target, bool ReadOnly)
{
    public string? Consistency { get; init; }
    public bool? BindCreateHostPath { get; init; }
    public string? BindPropagation { get; init; }
    public string? BindSelinux { get; init; }
    public bool? VolumeNoCopy { get; init; }
    public string? VolumeSubpath { get; init; }
    public long? TmpfsSize { get; init; }
    public int? TmpfsMode { get; init; }
}

internal sealed record ServiceNetwork(IReadOnlyList<string> Aliases, string? Ipv4Address, string? Ipv6Address, int? Priority);

internal enum DependencyCondition
{
    ServiceStarted,
    ServiceHealthy,
    ServiceCompletedSuccessfully,
}

internal sealed record ServiceDependency(DependencyCondition Condition, bool Restart, bool Required);

/// <summary>Test is the exec form: <c>["CMD", ...]</c>, <c>["CMD-SHELL", "..."]</c> or <c>["NONE"]</c>.</summary>
internal sealed record HealthCheck(IReadOnlyList<string>? Test, TimeSpan? Interval, TimeSpan? Timeout, int? Retries, TimeSpan? StartPeriod, TimeSpan? StartInterval, bool Disable);

internal sealed record ExtraHost(string Host, string Address);

internal sealed record Ulimit(long Soft, long Hard);

internal sealed record LoggingDefinition(string? Driver, IReadOnlyDictionary<string, string> Options);

internal sealed record DeployDefinition
{
    public string? Mode { get; init; }
    public int? Replicas { get; init; }
    public ResourceSpec? Limits { get; init; }
    public ResourceSpec? Reservations { get; init; }
    public UpdatePolicy? UpdateConfig { get; init; }
    public UpdatePolicy? RollbackConfig { get; init; }
    public RestartPolicy? RestartPolicy { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> PlacementConstraints { get; init; } = [];
}

internal sealed record ResourceSpec(decimal? Cpus, long? Memory, long? Pids);

internal sealed record UpdatePolicy(int? Parallelism, TimeSpan? Delay, string? FailureAction, TimeSpan? Monitor, decimal? MaxFailureRatio, string? Order);

internal sealed record RestartPolicy(string? Condition, TimeSpan? Delay, int? MaxAttempts, TimeSpan? Window);

/// <summary>A service's use of a secret or config (short syntax is the source name only).</summary>
internal sealed record ServiceFileReference(string Source, string? Target, string? Uid, string? Gid, int? Mode);

internal sealed record NetworkDefinition
{
    public required string Key { get; init; }
    public string? Name { get; init; }
    public string? Driver { get; init; }
    public IReadOnlyDictionary<string, string> DriverOpts { get; init; } = new Dictionary<string, string>();
    public bool? External { get; init; }
    public bool? Internal { get; init; }
    public bool? Attachable { get; init; }
    public bool? EnableIpv6 { get; init; }
    public IReadOnlyList<string> IpamSubnets { get; init; } = [];
    public string? IpamDriver { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

internal sealed record VolumeDefinition
{
    public required string Key { get; init; }
    public string? Name { get; init; }
    public string? Driver { get; init; }
    public IReadOnlyDictionary<string, string> DriverOpts { get; init; } = new Dictionary<string, string>();
    public bool? External { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

/// <summary>A top-level secret or config: from a file, an environment variable, inline content, or external.</summary>
internal sealed record FileObjectDefinition
{
    public required string Key { get; init; }
    public string? Name { get; init; }
    public string? File { get; init; }
    public string? Environment { get; init; }
    public string? Content { get; init; }
    public bool? External { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The absolute path of <see cref="File"/> on this host, set when the stack is resolved; never rendered (the
    /// definition keeps the path as written).</summary>
    public string? HostPath { get; init; }

    /// <summary>The value of the <see cref="Environment"/> variable, read when the stack is resolved; never rendered.</summary>
    public string? EnvironmentValue { get; init; }

    public override string ToString() => $"{nameof(FileObjectDefinition)} {{ Key = {Key} }}";
}
