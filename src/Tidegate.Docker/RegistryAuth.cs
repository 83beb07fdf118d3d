using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tidegate.Docker.Transport;

namespace Tidegate.Docker;

/// <summary>Credentials for one registry, sent to the daemon in the X-Registry-Auth header.</summary>
public sealed record RegistryAuth(
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("serveraddress")] string? ServerAddress)
{
    [JsonPropertyName("identitytoken")]
    public string? IdentityToken { get; init; }

    /// <summary>Base64url (RFC 4648 §5) of the JSON object, the form the daemon decodes.</summary>
    public string ToHeaderValue()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(this, DockerJson.Options);
        return Convert.ToBase64String(json).Replace('+', '-').Replace('/', '_');
    }

    public override string ToString() => $"RegistryAuth {{ Username = {Username}, ServerAddress = {ServerAddress}, Password = *** }}";

    internal static RegistryAuth FromHeaderValue(string value)
    {
        var base64 = value.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        return JsonSerializer.Deserialize<RegistryAuth>(Encoding.UTF8.GetString(Convert.FromBase64String(base64)), DockerJson.Options)
            ?? throw new FormatException("Empty registry auth.");
    }
}
