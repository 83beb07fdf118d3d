using System.Text.Json.Serialization;

namespace Tidegate.Docker.Volumes;

public sealed record VolumeCreateRequest
{
    [JsonPropertyName("Name")] public string? Name { get; init; }
    [JsonPropertyName("Driver")] public string? Driver { get; init; }
    [JsonPropertyName("DriverOpts")] public IReadOnlyDictionary<string, string>? DriverOpts { get; init; }
    [JsonPropertyName("Labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

public sealed record Volume
{
    [JsonPropertyName("Name")] public required string Name { get; init; }
    [JsonPropertyName("Driver")] public string? Driver { get; init; }
    [JsonPropertyName("Mountpoint")] public string? Mountpoint { get; init; }
    [JsonPropertyName("CreatedAt")] public string? CreatedAt { get; init; }
    [JsonPropertyName("Labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("Scope")] public string? Scope { get; init; }
    [JsonPropertyName("Options")] public IReadOnlyDictionary<string, string>? Options { get; init; }
}

public sealed record VolumeListResponse
{
    [JsonPropertyName("Volumes")] public IReadOnlyList<Volume>? Volumes { get; init; }
    [JsonPropertyName("Warnings")] public IReadOnlyList<string>? Warnings { get; init; }
}

public sealed record VolumeListParameters
{
    public IReadOnlyList<string>? LabelFilters { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Filters { get; init; }
}
