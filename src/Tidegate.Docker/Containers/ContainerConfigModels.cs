using System.Text.Json.Serialization;

namespace Tidegate.Docker.Containers;

/// <summary>Serializes as {} — the value type of ExposedPorts and Volumes maps.</summary>
public sealed record EmptyObject;

/// <summary>Container configuration portable between hosts (the spec's ContainerConfig).</summary>
public record ContainerConfig
{
    [JsonPropertyName("Hostname")] public string? Hostname { get; init; }
    [JsonPropertyName("Domainname")] public string? Domainname { get; init; }
    [JsonPropertyName("User")] public string? User { get; init; }
    [JsonPropertyName("AttachStdin")] public bool? AttachStdin { get; init; }
    [JsonPropertyName("AttachStdout")] public bool? AttachStdout { get; init; }
    [JsonPropertyName("AttachStderr")] public bool? AttachStderr { get; init; }
    [JsonPropertyName("ExposedPorts")] public IReadOnlyDictionary<string, EmptyObject>? ExposedPorts { get; init; }
    [JsonPropertyName("Tty")] public bool? Tty { get; init; }
    [JsonPropertyName("OpenStdin")] public bool? OpenStdin { get; init; }
    [JsonPropertyName("Env")] public IReadOnlyList<string>? Env { get; init; }
    [JsonPropertyName("Cmd")] public IReadOnlyList<string>? Cmd { get; init; }
    [JsonPropertyName("Healthcheck")] public HealthConfig? Healthcheck { get; init; }
    [JsonPropertyName("Image")] public string? Image { get; init; }
    [JsonPropertyName("Volumes")] public IReadOnlyDictionary<string, EmptyObject>? Volumes { get; init; }
    [JsonPropertyName("WorkingDir")] public string? WorkingDir { get; init; }
    [JsonPropertyName("Entrypoint")] public IReadOnlyList<string>? Entrypoint { get; init; }
    [JsonPropertyName("Labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("StopSignal")] public string? StopSignal { get; init; }
    [JsonPropertyName("StopTimeout")] public int? StopTimeout { get; init; }
}

/// <summary>Body of POST /containers/create: the config plus host and network settings.</summary>
public sealed record ContainerCreateRequest : ContainerConfig
{
    [JsonPropertyName("HostConfig")] public HostConfig? HostConfig { get; init; }
    [JsonPropertyName("NetworkingConfig")] public NetworkingConfig? NetworkingConfig { get; init; }

    /// <summary>"os[/arch[/variant]]": not part of the body but the <c>platform</c> query parameter of
    /// POST /containers/create (API 1.41), kept here so every caller that creates from a request passes it on.</summary>
    [JsonIgnore] public string? Platform { get; init; }
}

public sealed record ContainerCreateResponse
{
    [JsonPropertyName("Id")] public required string Id { get; init; }
    [JsonPropertyName("Warnings")] public IReadOnlyList<string>? Warnings { get; init; }
}

/// <summary>Healthcheck; durations are nanoseconds on the wire (use <see cref="Create"/> for TimeSpans).</summary>
public sealed record HealthConfig
{
    [JsonPropertyName("Test")] public IReadOnlyList<string>? Test { get; init; }
    [JsonPropertyName("Interval")] public long? Interval { get; init; }
    [JsonPropertyName("Timeout")] public long? Timeout { get; init; }
    [JsonPropertyName("Retries")] public int? Retries { get; init; }
    [JsonPropertyName("StartPeriod")] public long? StartPeriod { get; init; }

    /// <summary>A CMD-SHELL healthcheck.</summary>
    public static HealthConfig Create(string shellCommand, TimeSpan interval, TimeSpan timeout, int retries, TimeSpan startPeriod = default) => new()
    {
        Test = ["CMD-SHELL", shellCommand],
        Interval = ToNanoseconds(interval),
        Timeout = ToNanoseconds(timeout),
        Retries = retries,
        StartPeriod = ToNanoseconds(startPeriod),
    };

    public static long ToNanoseconds(TimeSpan value) => value.Ticks * 100;
}

public sealed record HostConfig
{
    [JsonPropertyName("Binds")] public IReadOnlyList<string>? Binds { get; init; }
    [JsonPropertyName("NetworkMode")] public string? NetworkMode { get; init; }
    [JsonPropertyName("PortBindings")] public IReadOnlyDictionary<string, IReadOnlyList<PortBinding>?>? PortBindings { get; init; }
    [JsonPropertyName("RestartPolicy")] public RestartPolicy? RestartPolicy { get; init; }
    [JsonPropertyName("AutoRemove")] public bool? AutoRemove { get; init; }
    [JsonPropertyName("Mounts")] public IReadOnlyList<Mount>? Mounts { get; init; }
    [JsonPropertyName("CapAdd")] public IReadOnlyList<string>? CapAdd { get; init; }
    [JsonPropertyName("CapDrop")] public IReadOnlyList<string>? CapDrop { get; init; }
    [JsonPropertyName("Dns")] public IReadOnlyList<string>? Dns { get; init; }
    [JsonPropertyName("ExtraHosts")] public IReadOnlyList<string>? ExtraHosts { get; init; }
    [JsonPropertyName("Privileged")] public bool? Privileged { get; init; }
    [JsonPropertyName("PublishAllPorts")] public bool? PublishAllPorts { get; init; }
    [JsonPropertyName("ReadonlyRootfs")] public bool? ReadonlyRootfs { get; init; }
    [JsonPropertyName("SecurityOpt")] public IReadOnlyList<string>? SecurityOpt { get; init; }
    [JsonPropertyName("Tmpfs")] public IReadOnlyDictionary<string, string>? Tmpfs { get; init; }
    [JsonPropertyName("ShmSize")] public long? ShmSize { get; init; }
    [JsonPropertyName("Sysctls")] public IReadOnlyDictionary<string, string>? Sysctls { get; init; }
    [JsonPropertyName("LogConfig")] public LogConfig? LogConfig { get; init; }
    [JsonPropertyName("Init")] public bool? Init { get; init; }
    [JsonPropertyName("Memory")] public long? Memory { get; init; }
    [JsonPropertyName("MemoryReservation")] public long? MemoryReservation { get; init; }
    [JsonPropertyName("MemorySwap")] public long? MemorySwap { get; init; }
    [JsonPropertyName("NanoCpus")] public long? NanoCpus { get; init; }
    [JsonPropertyName("CpuShares")] public long? CpuShares { get; init; }
    [JsonPropertyName("PidsLimit")] public long? PidsLimit { get; init; }
    [JsonPropertyName("Ulimits")] public IReadOnlyList<ResourceUlimit>? Ulimits { get; init; }
    [JsonPropertyName("DnsSearch")] public IReadOnlyList<string>? DnsSearch { get; init; }
    [JsonPropertyName("Devices")] public IReadOnlyList<DeviceMapping>? Devices { get; init; }
}

/// <summary>A host device made available in the container.</summary>
public sealed record DeviceMapping
{
    [JsonPropertyName("PathOnHost")] public required string PathOnHost { get; init; }
    [JsonPropertyName("PathInContainer")] public required string PathInContainer { get; init; }

    /// <summary>Any of "r", "w", "m" (read, write, mknod); the engine's default is "rwm".</summary>
    [JsonPropertyName("CgroupPermissions")] public string? CgroupPermissions { get; init; }
}

public sealed record ResourceUlimit
{
    [JsonPropertyName("Name")] public required string Name { get; init; }
    [JsonPropertyName("Soft")] public long Soft { get; init; }
    [JsonPropertyName("Hard")] public long Hard { get; init; }
}

public sealed record PortBinding
{
    [JsonPropertyName("HostIp")] public string? HostIp { get; init; }
    [JsonPropertyName("HostPort")] public string? HostPort { get; init; }
}

public sealed record RestartPolicy
{
    /// <summary>"", "no", "always", "unless-stopped" or "on-failure".</summary>
    [JsonPropertyName("Name")] public string? Name { get; init; }
    [JsonPropertyName("MaximumRetryCount")] public int? MaximumRetryCount { get; init; }
}

public sealed record Mount
{
    [JsonPropertyName("Target")] public string? Target { get; init; }
    [JsonPropertyName("Source")] public string? Source { get; init; }

    /// <summary>"bind", "volume", "tmpfs" or "npipe".</summary>
    [JsonPropertyName("Type")] public string? Type { get; init; }
    [JsonPropertyName("ReadOnly")] public bool? ReadOnly { get; init; }
    [JsonPropertyName("Consistency")] public string? Consistency { get; init; }
    [JsonPropertyName("VolumeOptions")] public VolumeOptions? VolumeOptions { get; init; }
}

public sealed record VolumeOptions
{
    [JsonPropertyName("NoCopy")] public bool? NoCopy { get; init; }
    [JsonPropertyName("Labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

public sealed record LogConfig
{
    [JsonPropertyName("Type")] public string? Type { get; init; }
    [JsonPropertyName("Config")] public IReadOnlyDictionary<string, string>? Config { get; init; }
}

public sealed record NetworkingConfig
{
    [JsonPropertyName("EndpointsConfig")] public IReadOnlyDictionary<string, EndpointSettings>? EndpointsConfig { get; init; }
}

public sealed record EndpointSettings
{
    [JsonPropertyName("IPAMConfig")] public EndpointIpamConfig? IpamConfig { get; init; }
    [JsonPropertyName("Links")] public IReadOnlyList<string>? Links { get; init; }
    [JsonPropertyName("Aliases")] public IReadOnlyList<string>? Aliases { get; init; }
    [JsonPropertyName("NetworkID")] public string? NetworkId { get; init; }
    [JsonPropertyName("EndpointID")] public string? EndpointId { get; init; }
    [JsonPropertyName("Gateway")] public string? Gateway { get; init; }
    [JsonPropertyName("IPAddress")] public string? IpAddress { get; init; }
    [JsonPropertyName("IPPrefixLen")] public int? IpPrefixLen { get; init; }
    [JsonPropertyName("MacAddress")] public string? MacAddress { get; init; }
    [JsonPropertyName("DriverOpts")] public IReadOnlyDictionary<string, string>? DriverOpts { get; init; }
}

public sealed record EndpointIpamConfig
{
    [JsonPropertyName("IPv4Address")] public string? Ipv4Address { get; init; }
    [JsonPropertyName("IPv6Address")] public string? Ipv6Address { get; init; }
}
