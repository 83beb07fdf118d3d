namespace Tidegate.Core.Engine;

/// <summary>Label keys. The com.docker.compose.* ones are what Docker Compose v2 writes, so `docker ps`,
/// `docker compose ls/ps` and other compose tooling recognise a Tidegate deployment as a project.</summary>
internal static class EngineLabels
{
    public const string Project = "com.docker.compose.project";
    public const string Service = "com.docker.compose.service";
    public const string ContainerNumber = "com.docker.compose.container-number";
    public const string ConfigHash = "com.docker.compose.config-hash";
    public const string DependsOn = "com.docker.compose.depends_on";
    public const string OneOff = "com.docker.compose.oneoff";
    public const string WorkingDir = "com.docker.compose.project.working_dir";
    public const string ConfigFiles = "com.docker.compose.project.config_files";
    public const string Network = "com.docker.compose.network";
    public const string Volume = "com.docker.compose.volume";
    public const string Deployment = "tidegate.deployment";
    public const string Revision = "tidegate.revision";
    public const string Stack = "tidegate.stack";
    public const string Version = "tidegate.version";
    public const string Managed = "tidegate.managed";

    /// <summary>blue or green: which side of a blue-green or canary rollout a container belongs to (absent = blue).</summary>
    public const string Color = "tidegate.color";

    /// <summary>Where container ports are published for the edge.</summary>
    public const string Loopback = "127.0.0.1";

    public static string Filter(string key, string value) => $"{key}={value}";
}
