using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tidegate.Docker.Transport;

internal static class DockerJson
{
    /// <summary>Names come from [JsonPropertyName] on every wire model; nulls are left out so daemon defaults apply.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
    };
}
