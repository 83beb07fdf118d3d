using System.Text.Json.Serialization;

namespace Tidegate.Docker.Exec;

public sealed record ExecCreateRequest
{
    [JsonPropertyName("AttachStdin")] public bool? AttachStdin { get; init; }
    [JsonPropertyName("AttachStdout")] public bool? AttachStdout { get; init; } = true;
    [JsonPropertyName("AttachStderr")] public bool? AttachStderr { get; init; } = true;
    [JsonPropertyName("Tty")] public bool? Tty { get; init; }
    [JsonPropertyName("Env")] public IReadOnlyList<string>? Env { get; init; }
    [JsonPropertyName("Cmd")] public required IReadOnlyList<string> Cmd { get; init; }
    [JsonPropertyName("Privileged")] public bool? Privileged { get; init; }
    [JsonPropertyName("User")] public string? User { get; init; }
    [JsonPropertyName("WorkingDir")] public string? WorkingDir { get; init; }
}

public sealed record ExecCreateResponse
{
    [JsonPropertyName("Id")] public required string Id { get; init; }
}

public sealed record ExecStartRequest
{
    [JsonPropertyName("Detach")] public bool Detach { get; init; }
    [JsonPropertyName("Tty")] public bool Tty { get; init; }
}

public sealed record ExecInspectResponse
{
    [JsonPropertyName("ID")] public required string Id { get; init; }
    [JsonPropertyName("Running")] public bool Running { get; init; }
    [JsonPropertyName("ExitCode")] public int? ExitCode { get; init; }
    [JsonPropertyName("ContainerID")] public string? ContainerId { get; init; }
    [JsonPropertyName("Pid")] public int Pid { get; init; }
    [JsonPropertyName("ProcessConfig")] public ProcessConfig? ProcessConfig { get; init; }
}

public sealed record ProcessConfig
{
    [JsonPropertyName("entrypoint")] public string? Entrypoint { get; init; }
    [JsonPropertyName("arguments")] public IReadOnlyList<string>? Arguments { get; init; }
    [JsonPropertyName("tty")] public bool Tty { get; init; }
    [JsonPropertyName("user")] public string? User { get; init; }
}

/// <summary>The outcome of running a command to completion inside a container.</summary>
public sealed record ExecResult(string Stdout, string Stderr, int ExitCode);
