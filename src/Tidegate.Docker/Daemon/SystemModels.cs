using System.Text.Json.Serialization;

namespace Tidegate.Docker.Daemon;

public sealed record SystemVersion
{
    [JsonPropertyName("Version")] public string? Version { get; init; }
    [JsonPropertyName("ApiVersion")] public string? ApiVersion { get; init; }
    [JsonPropertyName("MinAPIVersion")] public string? MinApiVersion { get; init; }
    [JsonPropertyName("GitCommit")] public string? GitCommit { get; init; }
    [JsonPropertyName("GoVersion")] public string? GoVersion { get; init; }
    [JsonPropertyName("Os")] public string? Os { get; init; }
    [JsonPropertyName("Arch")] public string? Arch { get; init; }
    [JsonPropertyName("KernelVersion")] public string? KernelVersion { get; init; }
}

public sealed record SystemInfo
{
    [JsonPropertyName("ID")] public string? Id { get; init; }
    [JsonPropertyName("Name")] public string? Name { get; init; }
    [JsonPropertyName("ServerVersion")] public string? ServerVersion { get; init; }
    [JsonPropertyName("Containers")] public int Containers { get; init; }
    [JsonPropertyName("ContainersRunning")] public int ContainersRunning { get; init; }
    [JsonPropertyName("ContainersPaused")] public int ContainersPaused { get; init; }
    [JsonPropertyName("ContainersStopped")] public int ContainersStopped { get; init; }
    [JsonPropertyName("Images")] public int Images { get; init; }
    [JsonPropertyName("Driver")] public string? Driver { get; init; }
    [JsonPropertyName("DockerRootDir")] public string? DockerRootDir { get; init; }
    [JsonPropertyName("OperatingSystem")] public string? OperatingSystem { get; init; }
    [JsonPropertyName("OSType")] public string? OsType { get; init; }
    [JsonPropertyName("Architecture")] public string? Architecture { get; init; }
    [JsonPropertyName("NCPU")] public int Ncpu { get; init; }
    [JsonPropertyName("MemTotal")] public long MemTotal { get; init; }
    [JsonPropertyName("Labels")] public IReadOnlyList<string>? Labels { get; init; }
    [JsonPropertyName("Swarm")] public SwarmInfo? Swarm { get; init; }
}

public sealed record SwarmInfo
{
    [JsonPropertyName("NodeID")] public string? NodeId { get; init; }
    [JsonPropertyName("LocalNodeState")] public string? LocalNodeState { get; init; }
    [JsonPropertyName("ControlAvailable")] public bool ControlAvailable { get; init; }
}
