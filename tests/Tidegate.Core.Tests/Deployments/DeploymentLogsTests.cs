using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Docker;
using Tidegate.Docker.Containers;
using Tidegate.Docker.Daemon;
using Tidegate.Docker.Events;
using Tidegate.Docker.Images;
using Tidegate.Docker.Networks;
using Tidegate.Docker.Volumes;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Deployments;

/// <summary>How following merges several containers' streams and when it ends, over a hand-written engine whose log streams
/// the test feeds line by line. The real engine path is covered by the server's DeploymentHistoryAndLogsTests.</summary>
public sealed class DeploymentLogsTests
{
    private static readonly DeploymentEnvironment Environment = new("env", "local", "unix:///var/run/docker.sock", null, true, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
    private static readonly LogContainer Web = new("c1", "app-web-1", "web");
    private static readonly LogContainer Worker = new("c2", "app-worker-1", "worker");

    [Fact]
    public async Task Follow_MergesEveryContainersLines_AndEndsWhenEveryContainerStopped()
    {
        var engine = new StreamingEngine();
        var logs = new DeploymentLogs(new Factory(engine));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new ConcurrentQueue<DeploymentLogLine>();

        var follow = Task.Run(async () =>
        {
            await foreach (var line in logs.FollowAsync(Environment, [Web, Worker], 10, timeout.Token))
            {
                received.Enqueue(line);
            }
        });
        // One line at a time: lines of different containers have no order of their own until they arrive.
        await engine.WriteAsync("c1", LogSource.Stdout, "2026-11-22T05:00:00.000000001Z web started");
        await Wait.UntilAsync(_ => Task.FromResult(received.Count), n => n == 1, "the first line");
        await engine.WriteAsync("c2", LogSource.Stderr, "2026-11-22T05:00:01Z worker warning");
        await Wait.UntilAsync(_ => Task.FromResult(received.Count), n => n == 2, "the second line");
        engine.Stop("c1");
        await engine.WriteAsync("c2", LogSource.Stdout, "2026-11-22T05:00:02Z worker still running");
        await Wait.UntilAsync(_ => Task.FromResult(received.Count), n => n == 3, "the third line");
        Assert.False(follow.IsCompleted);
        engine.Stop("c2");
        await follow.WaitAsync(timeout.Token);

        Assert.Equal(
        [
            new DeploymentLogLine("app-web-1", "web", "stdout", new DateTimeOffset(2026, 11, 22, 5, 0, 0, TimeSpan.Zero), "web started"),
            new DeploymentLogLine("app-worker-1", "worker", "stderr", new DateTimeOffset(2026, 11, 22, 5, 0, 1, TimeSpan.Zero), "worker warning"),
            new DeploymentLogLine("app-worker-1", "worker", "stdout", new DateTimeOffset(2026, 11, 22, 5, 0, 2, TimeSpan.Zero), "worker still running"),
        ], received);
        Assert.All(engine.Requests.Values, p => Assert.Equal((true, true, 10), (p.Follow, p.Timestamps, p.Tail)));
    }

    [Fact]
    public async Task Follow_WhenTheReaderGoesAway_StopsReadingEveryContainer()
    {
        var engine = new StreamingEngine();
        var logs = new DeploymentLogs(new Factory(engine));
        using var client = new CancellationTokenSource();

        var follow = Task.Run(async () =>
        {
            await foreach (var line in logs.FollowAsync(Environment, [Web, Worker], 0, client.Token))
            {
                await client.CancelAsync(); // the first line arrives, then the client disconnects
            }
        });
        await engine.WriteAsync("c1", LogSource.Stdout, "2026-11-22T05:00:00Z one");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follow.WaitAsync(TimeSpan.FromSeconds(30)));
        await Wait.UntilAsync(_ => Task.FromResult(engine.Ended.Count), n => n == 2, "both container streams were closed");
        Assert.True(engine.Disposed);
    }

    [Fact]
    public async Task Follow_OfAContainerRemovedMeanwhile_EndsItsStreamWithoutFailingTheOthers()
    {
        var engine = new StreamingEngine { Missing = { "c1" } };
        var logs = new DeploymentLogs(new Factory(engine));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<string>();

        var follow = Task.Run(async () =>
        {
            await foreach (var line in logs.FollowAsync(Environment, [Web, Worker], 0, timeout.Token))
            {
                received.Add(line.Text);
            }
        });
        await engine.WriteAsync("c2", LogSource.Stdout, "2026-11-22T05:00:00Z alive");
        engine.Stop("c2");
        await follow.WaitAsync(timeout.Token);

        Assert.Equal(["alive"], received);
    }

    private sealed class Factory(IDockerEngine engine) : IDockerEngineFactory
    {
        public IDockerEngine Open(DeploymentEnvironment environment) => engine;
    }

    /// <summary>Only logs: each container's stream is a channel the test writes to and completes ("the container stopped").</summary>
    private sealed class StreamingEngine : IDockerEngine
    {
        private readonly ConcurrentDictionary<string, Channel<LogLine>> _streams = new(StringComparer.Ordinal);

        public HashSet<string> Missing { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, ContainerLogsParameters> Requests { get; } = new(StringComparer.Ordinal);

        public ConcurrentBag<string> Ended { get; } = [];

        public bool Disposed { get; private set; }

        public async Task WriteAsync(string id, LogSource source, string text) => await Stream(id).Writer.WriteAsync(new LogLine(source, text));

        public void Stop(string id) => Stream(id).Writer.Complete();

        public async IAsyncEnumerable<LogLine> ContainerLogsAsync(string id, ContainerLogsParameters parameters, [EnumeratorCancellation] CancellationToken ct)
        {
            Requests[id] = parameters;
            if (Missing.Contains(id))
            {
                throw new DockerApiException(HttpStatusCode.NotFound, $"No such container: {id}");
            }
            try
            {
                await foreach (var line in Stream(id).Reader.ReadAllAsync(ct))
                {
                    yield return line;
                }
            }
            finally
            {
                Ended.Add(id);
            }
        }

        public void Dispose() => Disposed = true;

        private Channel<LogLine> Stream(string id) => _streams.GetOrAdd(id, _ => Channel.CreateUnbounded<LogLine>());

        public Task<SystemVersion> VersionAsync(CancellationToken ct) => throw new NotSupportedException();
        public Task<ImageInspectResponse?> ImageInspectAsync(string image, CancellationToken ct) => throw new NotSupportedException();
        public IAsyncEnumerable<EventMessage> ContainerEventsAsync(IReadOnlyList<string> labels, DateTimeOffset since, CancellationToken ct) => throw new NotSupportedException();
        public Task PullAsync(string image, RegistryAuth? auth, Action<string>? progress, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<ContainerSummary>> ContainersAsync(IReadOnlyList<string> labels, CancellationToken ct) => throw new NotSupportedException();
        public Task<ContainerInspectResponse?> ContainerInspectAsync(string id, CancellationToken ct) => throw new NotSupportedException();
        public Task<string> ContainerCreateAsync(ContainerCreateRequest request, string name, CancellationToken ct) => throw new NotSupportedException();
        public Task ContainerStartAsync(string id, CancellationToken ct) => throw new NotSupportedException();
        public Task ContainerStopAsync(string id, TimeSpan? timeout, CancellationToken ct) => throw new NotSupportedException();
        public Task ContainerRemoveAsync(string id, CancellationToken ct) => throw new NotSupportedException();
        public Task ContainerRenameAsync(string id, string newName, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<string>> LogTailAsync(string id, int lines, CancellationToken ct) => throw new NotSupportedException();
        public Task<NetworkResponse?> NetworkInspectAsync(string name, CancellationToken ct) => throw new NotSupportedException();
        public Task NetworkCreateAsync(NetworkCreateRequest request, CancellationToken ct) => throw new NotSupportedException();
        public Task NetworkConnectAsync(string network, string container, IReadOnlyList<string> aliases, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<NetworkResponse>> NetworksAsync(IReadOnlyList<string> labels, CancellationToken ct) => throw new NotSupportedException();
        public Task NetworkRemoveAsync(string name, CancellationToken ct) => throw new NotSupportedException();
        public Task<Volume?> VolumeInspectAsync(string name, CancellationToken ct) => throw new NotSupportedException();
        public Task VolumeCreateAsync(VolumeCreateRequest request, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<Volume>> VolumesAsync(IReadOnlyList<string> labels, CancellationToken ct) => throw new NotSupportedException();
        public Task VolumeRemoveAsync(string name, CancellationToken ct) => throw new NotSupportedException();
    }
}
