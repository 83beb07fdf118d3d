using System.Text.Json.Serialization;

namespace Tidegate.Docker.Events;

public sealed record EventActor
{
    [JsonPropertyName("ID")] public string? Id { get; init; }
    [JsonPropertyName("Attributes")] public IReadOnlyDictionary<string, string>? Attributes { get; init; }
}

public sealed record EventMessage
{
    [JsonPropertyName("Type")] public string? Type { get; init; }
    [JsonPropertyName("Action")] public string? Action { get; init; }
    [JsonPropertyName("Actor")] public EventActor? Actor { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }
    [JsonPropertyName("time")] public long Time { get; init; }
    [JsonPropertyName("timeNano")] public long TimeNano { get; init; }
}

public sealed record EventsParameters
{
    /// <summary>Replay events from this time on; null means only new events.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Stop the stream at this time; null means follow until cancelled.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Engine filters, e.g. { "label": ["a=b"], "type": ["container"], "event": ["start"] }.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Filters { get; init; }
}
