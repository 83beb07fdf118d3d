using Tidegate.Docker.Daemon;

namespace Tidegate.Docker;

public sealed partial class DockerClient
{
    /// <summary>GET /_ping. Throws <see cref="DockerUnreachableException"/> when nothing answers.</summary>
    public async Task SystemPingAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "/_ping", content: null, headers: null, versioned: false, streaming: false, cancellationToken);
    }

    /// <summary>GET /version (unversioned, so it works before negotiation).</summary>
    public Task<SystemVersion> SystemVersionAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<SystemVersion>(HttpMethod.Get, "/version", content: null, versioned: false, cancellationToken);

    /// <summary>GET /info.</summary>
    public Task<SystemInfo> SystemInfoAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<SystemInfo>("/info", cancellationToken);
}
