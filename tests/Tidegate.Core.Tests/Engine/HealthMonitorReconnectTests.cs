using System.Runtime.CompilerServices;
using Tidegate.Core.Engine;
using Tidegate.Core.Health;
using Tidegate.Docker;
using Tidegate.Docker.Containers;
using Tidegate.Docker.Daemon;
using Tidegate.Docker.Events;
using Tidegate.Docker.Images;
using Tidegate.Docker.Networks;
using Tidegate.Docker.Volumes;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Engine;

public sealed class HealthMonitorReconnectTests
{
    [Fact]
    public async Task BrokenEventsStream_IsReconnected_AndStateResyncedWithoutAFalseFailure()
    {
        var docker = new FakeDocker();
        var monitor = new HealthMonitor(docker, new EngineOptions { EventsReconnectDelay = TimeSpan.FromMilliseconds(10) }, TimeProvider.System);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = monitor.RunAsync(stop.Token);

        await Wait.UntilAsync(_ => Task.FromResult(docker.Subscriptions), n => n >= 2, "a second subscription after the stream broke");
        docker.Health = "unhealthy";
        docker.Release.TrySetResult();
        var health = await Wait.UntilAsync(_ => Task.FromResult(monitor.Current.GetValueOrDefault("p")), h => h?.Health == HealthState.Unhealthy, "the event after reconnecting");

        Assert.True(monitor.Reconnects >= 1);
        Assert.Equal("web", Assert.Single(health!.Services).Service);
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task AnUnexpectedFailure_IsReported_AndTheMonitorStartsOver()
    {
        var docker = new FakeDocker { FirstFailure = new InvalidOperationException("database is locked") };
        var monitor = new HealthMonitor(docker, new EngineOptions { EventsReconnectDelay = TimeSpan.FromMilliseconds(10) }, TimeProvider.System);
        var faults = new List<(string Message, TimeSpan Pause)>();
        monitor.Faulted += (ex, pause) => faults.Add((ex.Message, pause));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = monitor.RunAsync(stop.Token);

        await Wait.UntilAsync(_ => Task.FromResult(docker.Subscriptions), n => n >= 2, "a new subscription after the failure");
        docker.Health = "unhealthy";
        docker.Release.TrySetResult();
        await Wait.UntilAsync(_ => Task.FromResult(monitor.Current.GetValueOrDefault("p")), h => h?.Health == HealthState.Unhealthy, "events after starting over");

        Assert.Equal([("database is locked", TimeSpan.FromMilliseconds(10))], faults);
        await stop.CancelAsync();
        await running;
    }

    /// <summary>One healthy container of project "p"; the first events stream breaks at once (daemon restart),
    /// the second delivers one event when released.</summary>
    private sealed class FakeDocker : IDockerEngine
    {
        public int Subscriptions;

        public volatile string Health = "healthy";

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>What breaks the first subscription: a lost daemon by default.</summary>
        public Exception FirstFailure { get; init; } = new DockerUnreachableException("unix:///fake.sock", "connection reset");

        private static readonly Dictionary<string, string> Labels = new()
        {
            [EngineLabels.Project] = "p", [EngineLabels.Service] = "web", [EngineLabels.Managed] = "true",
        };

        public async IAsyncEnumerable<EventMessage> ContainerEventsAsync(IReadOnlyList<string> labels, DateTimeOffset since, [EnumeratorCancellation] CancellationToken ct)
        {
            if (Interlocked.Increment(ref Subscriptions) == 1)
            {
                throw FirstFailure;
            }

            await Release.Task.WaitAsync(ct);
            yield return new EventMessage { Type = "container", Action = "health_status: unhealthy", Actor = new EventActor { Id = "c1", Attributes = Labels } };
            await new TaskCompletionSource().Task.WaitAsync(ct);
        }

        public Task<IReadOnlyList<ContainerSummary>> ContainersAsync(IReadOnlyList<string> labels, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<ContainerSummary>>([new ContainerSummary { Id = "c1", Names = ["/p-web-1"], State = "running", Labels = Labels }]);

        public Task<ContainerInspectResponse?> ContainerInspectAsync(string id, CancellationToken ct) =>
            Task.FromResult<ContainerInspectResponse?>(new ContainerInspectResponse
            {
                Id = id, State = new ContainerState { Status = "running", Running = true, Health = new Docker.Containers.Health { Status = Health } },
            });

        public void Dispose()
        {
        }

        public Task<SystemVersion> VersionAsync(CancellationToken ct) => throw new NotSupportedException();

        public Task<ImageInspectResponse?> ImageInspectAsync(string image, CancellationToken ct) => throw new NotSupportedException();

        public Task PullAsync(string image, RegistryAuth? auth, Action<string>? progress, CancellationToken ct) => throw new NotSupportedException();

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
