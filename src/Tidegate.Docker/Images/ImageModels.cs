using System.Text.Json;
using System.Text.Json.Serialization;
using Tidegate.Docker.Containers;

namespace Tidegate.Docker.Images;

public sealed record ImageSummary
{
    [JsonPropertyName("Id")] public required string Id { get; init; }
    [JsonPropertyName("ParentId")] public string? ParentId { get; init; }
    [JsonPropertyName("RepoTags")] public IReadOnlyList<string>? RepoTags { get; init; }
    [JsonPropertyName("RepoDigests")] public IReadOnlyList<string>? RepoDigests { get; init; }
    [JsonPropertyName("Created")] public long Created { get; init; }
    [JsonPropertyName("Size")] public long Size { get; init; }
    [JsonPropertyName("Labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("Containers")] public long Containers { get; init; }
}

public sealed record ImageInspectResponse
{
    [JsonPropertyName("Id")] public required string Id { get; init; }
    [JsonPropertyName("RepoTags")] public IReadOnlyList<string>? RepoTags { get; init; }
    [JsonPropertyName("RepoDigests")] public IReadOnlyList<string>? RepoDigests { get; init; }
    [JsonPropertyName("Parent")] public string? Parent { get; init; }
    [JsonPropertyName("Created")] public string? Created { get; init; }
    [JsonPropertyName("Architecture")] public string? Architecture { get; init; }
    [JsonPropertyName("Os")] public string? Os { get; init; }
    [JsonPropertyName("Size")] public long Size { get; init; }
    [JsonPropertyName("Config")] public ContainerConfig? Config { get; init; }
}

public sealed record ImageDeleteResponseItem
{
    [JsonPropertyName("Untagged")] public string? Untagged { get; init; }
    [JsonPropertyName("Deleted")] public string? Deleted { get; init; }
}

/// <summary>One message of a pull, push, load or build progress stream (the engine's JSONMessage).</summary>
public sealed record ProgressEvent
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("progress")] public string? Progress { get; init; }
    [JsonPropertyName("progressDetail")] public ProgressDetail? ProgressDetail { get; init; }

    /// <summary>Build output text.</summary>
    [JsonPropertyName("stream")] public string? Stream { get; init; }
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("errorDetail")] public ErrorDetail? ErrorDetail { get; init; }

    /// <summary>Extra data, e.g. the image ID of a build or the digest of a push.</summary>
    [JsonPropertyName("aux")] public JsonElement? Aux { get; init; }
}

public sealed record ProgressDetail
{
    [JsonPropertyName("current")] public long? Current { get; init; }
    [JsonPropertyName("total")] public long? Total { get; init; }
}

public sealed record ErrorDetail
{
    [JsonPropertyName("code")] public int? Code { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
}

public sealed record ImageListParameters
{
    public bool All { get; init; }
    public IReadOnlyList<string>? LabelFilters { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Filters { get; init; }
}

public sealed record ImageBuildParameters
{
    /// <summary>Names (name:tag) for the built image.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Path of the Dockerfile inside the context (default "Dockerfile").</summary>
    public string? Dockerfile { get; init; }
    public IReadOnlyDictionary<string, string>? BuildArgs { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public bool NoCache { get; init; }

    /// <summary>Remove intermediate containers, also after a failed build.</summary>
    public bool ForceRemove { get; init; } = true;
}
