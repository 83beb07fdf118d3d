using System.Collections.Concurrent;
using System.Net;
using Tidegate.Core.Engine;
using Tidegate.Docker;
using Tidegate.Docker.Containers;
using Tidegate.Docker.Daemon;
using Tidegate.Docker.Events;
using Tidegate.Docker.Images;
using Tidegate.Docker.Networks;
using Tidegate.Docker.Volumes;

namespace Tidegate.Core.Tests.Engine;

/// <summary>An in-memory engine: images, containers that become running (and healthy) when started, and a log of
/// every state-changing call in order. Pulls of references in <see cref="MissingImages"/> fail like a registry 404.</summary>
internal sealed class FakeDockerEngine : IDockerEngine
{
    private readonly ConcurrentDictionary<string, FakeContainer> _containers = new();
    private readonly ConcurrentDictionary<string, bool> _images = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _networks = new(StringComparer.Ordinal);
    private int _next;

    public ConcurrentQueue<string> Calls { get; } = new();

    public HashSet<string> MissingImages { get; } = new(StringComparer.Ordinal);

    public void AddImage(string image) => _images[image] = true;

    public Task<SystemVersion> VersionAsync(CancellationToken ct) => Task.FromResult(new SystemVersion { Version = "fake", ApiVersion = "1.41" });

    public Task<ImageInspectResponse?> ImageInspectAsync(string image, CancellationToken ct) =>
        Task.FromResult(_images.ContainsKey(image) ? new ImageInspectResponse { Id = "sha256:" + image.GetHashCode(StringComparison.Ordinal).ToString("x8", null) } : null);

    public IAsyncEnumerable<EventMessage> ContainerEventsAsync(IReadOnlyList<string> labels, DateTimeOffset since, CancellationToken ct) => throw new NotSupportedException();

    public Task PullAsync(string image, RegistryAuth? auth, Action<string>? progress, CancellationToken ct)
    {
        Calls.Enqueue("pull " + image);
        if (MissingImages.Contains(image))
        {
            throw new DockerApiException(HttpStatusCode.NotFound, $"manifest for {image} not found");
        }

        _images[image] = true;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ContainerSummary>> ContainersAsync(IReadOnlyList<string> labels, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ContainerSummary>>(_containers.Values
            .Where(c => labels.All(l => l.Split('=', 2) is [var k, var v] && c.Labels.TryGetValue(k, out var x) && x == v))
            .Select(c => new ContainerSummary { Id = c.Id, Names = ["/" + c.Name], Image = c.Image, State = c.State, Labels = c.Labels })
            .ToList());

    public Task<ContainerInspectResponse?> ContainerInspectAsync(string id, CancellationToken ct) =>
        Task.FromResult(_containers.TryGetValue(id, out var c)
            ? new ContainerInspectResponse
            {
                Id = c.Id, Name = "/" + c.Name, Image = c.Image,
                State = new ContainerState { Status = c.State, Running = c.State == "running", Health = c.State == "running" ? new Docker.Containers.Health { Status = "healthy" } : null },
            }
            : null);

    public Task<string> ContainerCreateAsync(ContainerCreateRequest request, string name, CancellationToken ct)
    {
        Calls.Enqueue("create " + name);
        var id = $"c{Interlocked.Increment(ref _next)}";
        _containers[id] = new FakeContainer(id, name, request.Image!, new Dictionary<string, string>(request.Labels!)) { State = "created" };
        return Task.FromResult(id);
    }

    public Task ContainerStartAsync(string id, CancellationToken ct)
    {
        Calls.Enqueue("start " + _containers[id].Name);
        _containers[id].State = "running";
        return Task.CompletedTask;
    }

    public Task ContainerStopAsync(string id, TimeSpan? timeout, CancellationToken ct)
    {
        Calls.Enqueue("stop " + _containers[id].Name);
        _containers[id].State = "exited";
        return Task.CompletedTask;
    }

    public Task ContainerRemoveAsync(string id, CancellationToken ct)
    {
        Calls.Enqueue("remove " + (_containers.TryRemove(id, out var c) ? c.Name : id));
        return Task.CompletedTask;
    }

    public Task ContainerRenameAsync(string id, string newName, CancellationToken ct)
    {
        Calls.Enqueue($"rename {_containers[id].Name} {newName}");
        _containers[id].Name = newName;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> LogTailAsync(string id, int lines, CancellationToken ct) => Task.FromResult<IReadOnlyList<string>>([]);

    public Task<NetworkResponse?> NetworkInspectAsync(string name, CancellationToken ct) =>
        Task.FromResult(_networks.ContainsKey(name) ? new NetworkResponse { Id = name, Name = name } : null);

    public Task NetworkCreateAsync(NetworkCreateRequest request, CancellationToken ct)
    {
        Calls.Enqueue("network " + request.Name);
        _networks[request.Name] = true;
        return Task.CompletedTask;
    }

    public Task NetworkConnectAsync(string network, string container, IReadOnlyList<string> aliases, CancellationToken ct) => Task.CompletedTask;

    public Task<IReadOnlyList<NetworkResponse>> NetworksAsync(IReadOnlyList<string> labels, CancellationToken ct) => Task.FromResult<IReadOnlyList<NetworkResponse>>([]);

    public Task NetworkRemoveAsync(string name, CancellationToken ct) => Task.CompletedTask;

    public Task<Volume?> VolumeInspectAsync(string name, CancellationToken ct) => Task.FromResult<Volume?>(new Volume { Name = name });

    public Task VolumeCreateAsync(VolumeCreateRequest request, CancellationToken ct) => Task.CompletedTask;

    public Task<IReadOnlyList<Volume>> VolumesAsync(IReadOnlyList<string> labels, CancellationToken ct) => Task.FromResult<IReadOnlyList<Volume>>([]);

    public Task VolumeRemoveAsync(string name, CancellationToken ct) => Task.CompletedTask;

    public void Dispose()
    {
    }

    private sealed class FakeContainer(string id, string name, string image, Dictionary<string, string> labels)
    {
        public string Id { get; } = id;

        public string Name { get; set; } = name;

        public string Image { get; } = image;

        public Dictionary<string, string> Labels { get; } = labels;

        public string State { get; set; } = "created";
    }
}
