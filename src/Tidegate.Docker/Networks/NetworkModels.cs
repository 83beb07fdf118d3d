using System.Text.Json.Serialization;
using Tidegate.Docker.Containers;

namespace Tidegate.Docker.Networks;

public sealed record NetworkCreateRequest
{
    [JsonPropertyName("Name")] public required string Name { get; init; }
    [JsonPropertyName("CheckDuplicate")] public bool? CheckDuplicate { get; init; } = true;
    [JsonPropertyName("Driver")] public string? Driver { get; init; }
    [JsonPropertyName("Internal")] public bool? Internal { get; init; }
    [JsonPropertyName("Attachable")] public bool? Attachable { get; init; }
    [JsonPropertyName("EnableIPv6")] public bool? EnableIpv6 { get; init; }
    [JsonPropertyName("IPAM")] public Ipam? Ipam { get; init; }
    [JsonPropertyName("Options")] public IReadOnlyDictionary<string, string>? Options { get; init; }
    [JsonPropertyName("Labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

public sealed record NetworkCreateResponse
{
    [JsonPropertyName("Id")] public required string Id { get; init; }
    [JsonPropertyName("Warning")] public string? Warning { get; init; }
}

public sealed record Ipam
{
    [JsonPropertyName("Driver")] public string? Driver { get; init; }
    [JsonPropertyName("Config")] public IReadOnlyList<IpamConfig>? Config { get; init; }
    [JsonPropertyName("Options")] public IReadOnlyDictionary<string, string>? Options { get; init; }
}

public sealed record IpamConfig
{
    [JsonPropertyName("Subnet")] public string? Subnet { get; init; }
    [JsonPropertyName("IPRange")] public string? IpRange { get; init; }
    [JsonPropertyName("Gateway")] public string? Gateway { get; init; }
}

public sealed record NetworkResponse
{
    [JsonPropertyName("Id")] public required string Id { get; init; }
    [JsonPropertyName("Name")] public string? Name { get; init; }
    [JsonPropertyName("Created")] public string? Created { get; init; }
    [JsonPropertyName("Scope")] public string? Scope { get; init; }
    [JsonPropertyName("Driver")] public string? Driver { get; init; }
    [JsonPropertyName("EnableIPv6")] public bool EnableIpv6 { get; init; }
    [JsonPropertyName("IPAM")] public Ipam? Ipam { get; init; }
    [JsonPropertyName("Internal")] public bool Internal { get; init; }
    [JsonPropertyName("Attachable")] public bool Attachable { get; init; }
    [JsonPropertyName("Containers")] public IReadOnlyDictionary<string, NetworkContainer>? Containers { get; init; }
    [JsonPropertyName("Options")] public IReadOnlyDictionary<string, string>? Options { get; init; }
    [JsonPropertyName("Labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

public sealed record NetworkContainer
{
    [JsonPropertyName("Name")] public string? Name { get; init; }
    [JsonPropertyName("EndpointID")] public string? EndpointId { get; init; }
    [JsonPropertyName("MacAddress")] public string? MacAddress { get; init; }
    [JsonPropertyName("IPv4Address")] public string? Ipv4Address { get; init; }
    [JsonPropertyName("IPv6Address")] public string? Ipv6Address { get; init; }
}

public sealed record NetworkConnectRequest
{
    [JsonPropertyName("Container")] public required string Container { get; init; }
    [JsonPropertyName("EndpointConfig")] public EndpointSettings? EndpointConfig { get; init; }
}

public sealed record NetworkDisconnectRequest
{
    [JsonPropertyName("Container")] public required string Container { get; init; }
    [JsonPropertyName("Force")] public bool? Force { get; init; }
}

public sealed record NetworkListParameters
{
    public IReadOnlyList<string>? LabelFilters { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Filters { get; init; }
}
