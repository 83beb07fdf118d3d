using System.Text.Json.Serialization;

namespace Tidegate.Docker.Containers;

public sealed record ContainerSummary
{
    [JsonPropertyName("Id")] public required string Id { get; init; }
    [JsonPropertyName("Names")] public IReadOnlyList<string>? Names { get; init; }
    [JsonPropertyName("Image")] public string? Image { get; init; }
    [JsonPropertyName("ImageID")] public string? ImageId { get; init; }
    [JsonPropertyName("Command")] public string? Command { get; init; }
    [JsonPropertyName("Created")] public long Created { get; init; }
    [JsonPropertyName("Ports")] public IReadOnlyList<ContainerPort>? Ports { get; init; }
    [JsonPropertyName("Labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("State")] public string? State { get; init; }
    [JsonPropertyName("Status")] public string? Status { get; init; }
    [JsonPropertyName("NetworkSettings")] public SummaryNetworkSettings? NetworkSettings { get; init; }
    [JsonPropertyName("Mounts")] public IReadOnlyList<MountPoint>? Mounts { get; init; }
}

public sealed record ContainerPort
{
    [JsonPropertyName("IP")] public string? Ip { get; init; }
    [JsonPropertyName("PrivatePort")] public int PrivatePort { get; init; }
    [JsonPropertyName("PublicPort")] public int? PublicPort { get; init; }
    [JsonPropertyName("Type")] public string? Type { get; init; }
}

public sealed record SummaryNetworkSettings
{
    [JsonPropertyName("Networks")] public IReadOnlyDictionary<string, EndpointSettings>? Networks { get; init; }
}

public sealed record ContainerInspectResponse
{
    [JsonPropertyName("Id")] public required string Id { get; init; }
    [JsonPropertyName("Created")] public string? Created { get; init; }
    [JsonPropertyName("Path")] public string? Path { get; init; }
    [JsonPropertyName("Args")] public IReadOnlyList<string>? Args { get; init; }
    [JsonPropertyName("State")] public ContainerState? State { get; init; }
    [JsonPropertyName("Image")] public string? Image { get; init; }
    [JsonPropertyName("Name")] public string? Name { get; init; }
    [JsonPropertyName("RestartCount")] public int RestartCount { get; init; }
    [JsonPropertyName("Config")] public ContainerConfig? Config { get; init; }
    [JsonPropertyName("HostConfig")] public HostConfig? HostConfig { get; init; }
    [JsonPropertyName("NetworkSettings")] public NetworkSettings? NetworkSettings { get; init; }
    [JsonPropertyName("Mounts")] public IReadOnlyList<MountPoint>? Mounts { get; init; }
}

public sealed record ContainerState
{
    /// <summary>"created", "running", "paused", "restarting", "removing", "exited" or "dead".</summary>
    [JsonPropertyName("Status")] public string? Status { get; init; }
    [JsonPropertyName("Running")] public bool Running { get; init; }
    [JsonPropertyName("Paused")] public bool Paused { get; init; }
    [JsonPropertyName("Restarting")] public bool Restarting { get; init; }
    [JsonPropertyName("OOMKilled")] public bool OomKilled { get; init; }
    [JsonPropertyName("Dead")] public bool Dead { get; init; }
    [JsonPropertyName("Pid")] public int Pid { get; init; }
    [JsonPropertyName("ExitCode")] public int ExitCode { get; init; }
    [JsonPropertyName("Error")] public string? Error { get; init; }
    [JsonPropertyName("StartedAt")] public string? StartedAt { get; init; }
    [JsonPropertyName("FinishedAt")] public string? FinishedAt { get; init; }
    [JsonPropertyName("Health")] public Health? Health { get; init; }
}

public sealed record Health
{
    /// <summary>"none", "starting", "healthy" or "unhealthy".</summary>
    [JsonPropertyName("Status")] public string? Status { get; init; }
    [JsonPropertyName("FailingStreak")] public int FailingStreak { get; init; }
    [JsonPropertyName("Log")] public IReadOnlyList<HealthcheckResult>? Log { get; init; }
}

public sealed record HealthcheckResult
{
    [JsonPropertyName("Start")] public DateTimeOffset Start { get; init; }
    [JsonPropertyName("End")] public DateTimeOffset End { get; init; }
    [JsonPropertyName("ExitCode")] public int ExitCode { get; init; }
    [JsonPropertyName("Output")] public string? Output { get; init; }
}

public sealed record NetworkSettings
{
    [JsonPropertyName("IPAddress")] public string? IpAddress { get; init; }
    [JsonPropertyName("Ports")] public IReadOnlyDictionary<string, IReadOnlyList<PortBinding>?>? Ports { get; init; }
    [JsonPropertyName("Networks")] public IReadOnlyDictionary<string, EndpointSettings>? Networks { get; init; }
}

public sealed record MountPoint
{
    [JsonPropertyName("Type")] public string? Type { get; init; }
    [JsonPropertyName("Name")] public string? Name { get; init; }
    [JsonPropertyName("Source")] public string? Source { get; init; }
    [JsonPropertyName("Destination")] public string? Destination { get; init; }
    [JsonPropertyName("Driver")] public string? Driver { get; init; }
    [JsonPropertyName("Mode")] public string? Mode { get; init; }
    [JsonPropertyName("RW")] public bool Rw { get; init; }
}

public sealed record ContainerWaitResponse
{
    [JsonPropertyName("StatusCode")] public long StatusCode { get; init; }
    [JsonPropertyName("Error")] public ContainerWaitExitError? Error { get; init; }
}

public sealed record ContainerWaitExitError
{
    [JsonPropertyName("Message")] public string? Message { get; init; }
}

/// <summary>One-shot stats (GET /containers/{id}/stats?stream=false); the engine uses snake_case here.</summary>
public sealed record ContainerStatsResponse
{
    [JsonPropertyName("read")] public DateTimeOffset Read { get; init; }
    [JsonPropertyName("pids_stats")] public PidsStats? PidsStats { get; init; }
    [JsonPropertyName("cpu_stats")] public CpuStats? CpuStats { get; init; }
    [JsonPropertyName("precpu_stats")] public CpuStats? PreCpuStats { get; init; }
    [JsonPropertyName("memory_stats")] public MemoryStats? MemoryStats { get; init; }
    [JsonPropertyName("networks")] public IReadOnlyDictionary<string, NetworkStats>? Networks { get; init; }
}

public sealed record PidsStats
{
    [JsonPropertyName("current")] public long? Current { get; init; }
}

public sealed record CpuStats
{
    [JsonPropertyName("cpu_usage")] public CpuUsage? CpuUsage { get; init; }
    [JsonPropertyName("system_cpu_usage")] public ulong? SystemCpuUsage { get; init; }
    [JsonPropertyName("online_cpus")] public int? OnlineCpus { get; init; }
}

public sealed record CpuUsage
{
    [JsonPropertyName("total_usage")] public ulong TotalUsage { get; init; }
}

public sealed record MemoryStats
{
    [JsonPropertyName("usage")] public ulong? Usage { get; init; }
    [JsonPropertyName("limit")] public ulong? Limit { get; init; }
}

public sealed record NetworkStats
{
    [JsonPropertyName("rx_bytes")] public ulong RxBytes { get; init; }
    [JsonPropertyName("tx_bytes")] public ulong TxBytes { get; init; }
}

public sealed record ContainerListParameters
{
    public bool All { get; init; }

    /// <summary>Only containers carrying every one of these labels ("key" or "key=value").</summary>
    public IReadOnlyList<string>? LabelFilters { get; init; }

    /// <summary>Any further engine filters (name, status, network, ...).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Filters { get; init; }
}

public sealed record ContainerLogsParameters
{
    public bool Follow { get; init; }
    public bool Stdout { get; init; } = true;
    public bool Stderr { get; init; } = true;
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public bool Timestamps { get; init; }

    /// <summary>Only the last N lines; null means all.</summary>
    public int? Tail { get; init; }
}
