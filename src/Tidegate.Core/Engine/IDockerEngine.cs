using System.Net;
using Tidegate.Docker;
using Tidegate.Docker.Containers;
using Tidegate.Docker.Daemon;
using Tidegate.Docker.Events;
using Tidegate.Docker.Images;
using Tidegate.Docker.Networks;
using Tidegate.Docker.Volumes;

namespace Tidegate.Core.Engine;

/// <summary>The Docker calls the engine needs, and nothing more: the seam unit tests replace with a
/// hand-written fake. Lookups return null for "not found" so callers do not catch 404s.</summary>
internal interface IDockerEngine : IDisposable
{
    Task<SystemVersion> VersionAsync(CancellationToken ct);

    Task<ImageInspectResponse?> ImageInspectAsync(string image, CancellationToken ct);

    /// <summary>Container events of containers carrying every given label, from <paramref name="since"/> on, until cancelled or the stream breaks.</summary>
    IAsyncEnumerable<EventMessage> ContainerEventsAsync(IReadOnlyList<string> labels, DateTimeOffset since, CancellationToken ct);

    /// <summary>Pulls an image; reports each layer status line. Throws <see cref="DockerApiException"/> on failure.</summary>
    Task PullAsync(string image, RegistryAuth? auth, Action<string>? progress, CancellationToken ct);

    /// <summary>Pulls the image of a platform ("os[/arch[/variant]]", a service's <c>platform</c>); null: the engine's own.
    /// Fakes that only know the engine's own platform need not implement it.</summary>
    Task PullAsync(string image, string? platform, RegistryAuth? auth, Action<string>? progress, CancellationToken ct) =>
        platform is null ? PullAsync(image, auth, progress, ct) : throw new NotSupportedException("This engine does not pull for other platforms.");

    /// <summary>All containers (running or not) carrying every given label (key=value).</summary>
    Task<IReadOnlyList<ContainerSummary>> ContainersAsync(IReadOnlyList<string> labels, CancellationToken ct);

    Task<ContainerInspectResponse?> ContainerInspectAsync(string id, CancellationToken ct);

    Task<string> ContainerCreateAsync(ContainerCreateRequest request, string name, CancellationToken ct);

    Task ContainerStartAsync(string id, CancellationToken ct);

    Task ContainerStopAsync(string id, TimeSpan? timeout, CancellationToken ct);

    Task ContainerRemoveAsync(string id, CancellationToken ct);

    Task ContainerRenameAsync(string id, string newName, CancellationToken ct);

    /// <summary>The last lines of a container's logs (stdout and stderr), oldest first.</summary>
    Task<IReadOnlyList<string>> LogTailAsync(string id, int lines, CancellationToken ct);

    /// <summary>A container's log lines per stream; with Follow until the container stops or <paramref name="ct"/> fires.
    /// Fakes that never serve logs need not implement it.</summary>
    IAsyncEnumerable<LogLine> ContainerLogsAsync(string id, ContainerLogsParameters parameters, CancellationToken ct)
        => throw new NotSupportedException("This engine does not serve container logs.");

    Task<NetworkResponse?> NetworkInspectAsync(string name, CancellationToken ct);

    Task NetworkCreateAsync(NetworkCreateRequest request, CancellationToken ct);

    Task NetworkConnectAsync(string network, string container, IReadOnlyList<string> aliases, CancellationToken ct);

    Task<IReadOnlyList<NetworkResponse>> NetworksAsync(IReadOnlyList<string> labels, CancellationToken ct);

    Task NetworkRemoveAsync(string name, CancellationToken ct);

    Task<Volume?> VolumeInspectAsync(string name, CancellationToken ct);

    Task VolumeCreateAsync(VolumeCreateRequest request, CancellationToken ct);

    Task<IReadOnlyList<Volume>> VolumesAsync(IReadOnlyList<string> labels, CancellationToken ct);

    Task VolumeRemoveAsync(string name, CancellationToken ct);
}

/// <summary>The real implementation over <see cref="DockerClient"/>.</summary>
internal sealed class DockerEngine(DockerClient client) : IDockerEngine
{
    public DockerClient Client => client;

    public Task<SystemVersion> VersionAsync(CancellationToken ct) => client.SystemVersionAsync(ct);

    public Task<ImageInspectResponse?> ImageInspectAsync(string image, CancellationToken ct) =>
        OrNull(() => client.ImageInspectAsync(image, ct));

    public IAsyncEnumerable<EventMessage> ContainerEventsAsync(IReadOnlyList<string> labels, DateTimeOffset since, CancellationToken ct) =>
        client.SystemEventsAsync(new EventsParameters
        {
            Since = since,
            Filters = new Dictionary<string, IReadOnlyList<string>> { ["type"] = ["container"], ["label"] = labels },
        }, ct);

    public Task PullAsync(string image, RegistryAuth? auth, Action<string>? progress, CancellationToken ct) =>
        PullAsync(image, null, auth, progress, ct);

    public async Task PullAsync(string image, string? platform, RegistryAuth? auth, Action<string>? progress, CancellationToken ct)
    {
        await foreach (var e in client.ImagePullAsync(image, null, auth, platform, ct))
        {
            if (progress is not null && e.Status is { } status)
            {
                progress(e.Id is null ? status : $"{e.Id}: {status}");
            }
        }
    }

    public Task<IReadOnlyList<ContainerSummary>> ContainersAsync(IReadOnlyList<string> labels, CancellationToken ct) =>
        client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = labels }, ct);

    public Task<ContainerInspectResponse?> ContainerInspectAsync(string id, CancellationToken ct) =>
        OrNull(() => client.ContainerInspectAsync(id, ct));

    public async Task<string> ContainerCreateAsync(ContainerCreateRequest request, string name, CancellationToken ct) =>
        (await client.ContainerCreateAsync(request, name, ct)).Id;

    public Task ContainerStartAsync(string id, CancellationToken ct) => client.ContainerStartAsync(id, ct);

    public Task ContainerStopAsync(string id, TimeSpan? timeout, CancellationToken ct) => client.ContainerStopAsync(id, timeout, ct);

    public async Task ContainerRemoveAsync(string id, CancellationToken ct)
    {
        try
        {
            await client.ContainerRemoveAsync(id, force: true, removeVolumes: false, ct);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    public Task ContainerRenameAsync(string id, string newName, CancellationToken ct) => client.ContainerRenameAsync(id, newName, ct);

    public async Task<IReadOnlyList<string>> LogTailAsync(string id, int lines, CancellationToken ct)
    {
        var result = new List<string>();
        await foreach (var line in client.ContainerLogsAsync(id, new ContainerLogsParameters { Tail = lines }, ct))
        {
            result.Add(line.Text);
        }

        return result;
    }

    public IAsyncEnumerable<LogLine> ContainerLogsAsync(string id, ContainerLogsParameters parameters, CancellationToken ct) =>
        client.ContainerLogsAsync(id, parameters, ct);

    public Task<NetworkResponse?> NetworkInspectAsync(string name, CancellationToken ct) => OrNull(() => client.NetworkInspectAsync(name, ct));

    public Task NetworkCreateAsync(NetworkCreateRequest request, CancellationToken ct) => client.NetworkCreateAsync(request, ct);

    public Task NetworkConnectAsync(string network, string container, IReadOnlyList<string> aliases, CancellationToken ct) =>
        client.NetworkConnectAsync(network, container, aliases, ct);

    public Task<IReadOnlyList<NetworkResponse>> NetworksAsync(IReadOnlyList<string> labels, CancellationToken ct) =>
        client.NetworkListAsync(new NetworkListParameters { LabelFilters = labels }, ct);

    public Task NetworkRemoveAsync(string name, CancellationToken ct) => client.NetworkRemoveAsync(name, ct);

    public Task<Volume?> VolumeInspectAsync(string name, CancellationToken ct) => OrNull(() => client.VolumeInspectAsync(name, ct));

    public Task VolumeCreateAsync(VolumeCreateRequest request, CancellationToken ct) => client.VolumeCreateAsync(request, ct);

    public async Task<IReadOnlyList<Volume>> VolumesAsync(IReadOnlyList<string> labels, CancellationToken ct) =>
        (await client.VolumeListAsync(new VolumeListParameters { LabelFilters = labels }, ct)).Volumes ?? [];

    public Task VolumeRemoveAsync(string name, CancellationToken ct) => client.VolumeRemoveAsync(name, false, ct);

    public void Dispose() => client.Dispose();

    private static async Task<T?> OrNull<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await call();
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
