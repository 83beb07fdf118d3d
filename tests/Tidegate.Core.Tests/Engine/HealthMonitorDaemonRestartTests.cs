using System.Collections.Concurrent;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Health;
using Tidegate.Core.Store;
using Tidegate.Docker;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

/// <summary>The health monitor against a real daemon restart: a private dockerd (the shared one is never restarted)
/// with its own environment, a deployment with healthchecked services on <c>network_mode: none</c>, and every health
/// change the monitor publishes recorded.</summary>
public sealed class HealthMonitorDaemonRestartTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    private static readonly string[] Images = [TestImages.Web100, TestImages.Worker100];

    [Fact]
    public async Task DaemonRestartWithLiveRestore_IsSurvivedWithoutAFalseFailure_AndEventsAreFollowedAfterIt()
    {
        await using var daemon = await PrivateDockerDaemon.StartAsync(liveRestore: true, Images, Ct);
        await WithDaemonLogAsync(daemon, async () =>
        {
            await using var watch = await DeployAndWatchAsync(daemon, restartPolicy: null);
            var before = await StartsAsync(watch);
            var healthyChanges = watch.Changes.Count;

            var down = await RestartAsync(daemon);
            // Reconnected: the stream broke, and a full read ran after the daemon was back (the subscription follows it).
            await watch.UntilAsync(h => watch.Monitor.Reconnects >= 1 && h.At > down, "a full read after the daemon restart");

            Assert.Equal(before, await StartsAsync(watch));
            var during = watch.Changes.Skip(healthyChanges).ToList();
            Assert.True(during.All(h => h.Health == HealthState.Healthy),
                "false failure across the restart: " + string.Join(", ", during.Select(h => $"{h.Health} [{string.Join(' ', h.Services.Select(s => $"{s.Service}={s.Health}"))}]")));
            Assert.Empty(watch.Alerts);

            // Events after the restart are followed: the periodic resync is far away, so only the new stream can report these.
            var reconnects = watch.Monitor.Reconnects;
            await watch.Client.ContainerStopAsync($"{watch.Project}-api-1", TimeSpan.FromSeconds(1), Ct);
            var degraded = await watch.UntilAsync(h => h.Health == HealthState.Degraded, "api stopped after the restart → Degraded");
            Assert.Equal(HealthState.Unhealthy, degraded.Services.Single(s => s.Service == "api").Health);
            Assert.Equal(HealthState.Healthy, degraded.Services.Single(s => s.Service == "web").Health);
            await Wait.UntilAsync(_ => Task.FromResult(watch.Alerts.Any(a => a.Health == HealthState.Degraded)), "the alert for the stopped api", cancellationToken: Ct);

            await watch.Client.ContainerStartAsync($"{watch.Project}-api-1", Ct);
            await watch.UntilAsync(h => h.Health == HealthState.Healthy, "api started again → Healthy");
            Assert.Equal(reconnects, watch.Monitor.Reconnects);
        });
    }

    [Fact]
    public async Task DaemonRestartWithoutLiveRestore_RestartsTheContainers_AndTheMonitorFollowsThemBackToHealthy()
    {
        await using var daemon = await PrivateDockerDaemon.StartAsync(liveRestore: false, Images, Ct);
        await WithDaemonLogAsync(daemon, async () =>
        {
            await using var watch = await DeployAndWatchAsync(daemon, restartPolicy: "unless-stopped");
            var before = await StartsAsync(watch);

            var down = await RestartAsync(daemon);
            // The containers were really down (stopped with the daemon, started again by their restart policy); the monitor
            // reconnects and reads them back to Healthy.
            var back = await watch.UntilAsync(h => watch.Monitor.Reconnects >= 1 && h.At > down && h.Health == HealthState.Healthy,
                "Healthy after the daemon restarted the containers");

            var after = await StartsAsync(watch);
            Assert.Equal(before.Keys.Order(), after.Keys.Order());
            Assert.All(before, b => Assert.NotEqual(b.Value, after[b.Key]));
            Assert.All(back.Services, s => Assert.False(s.RestartLoop, $"{s.Service} reported as a restart loop"));

            // And the new stream is followed.
            var reconnects = watch.Monitor.Reconnects;
            await watch.Client.ContainerStopAsync($"{watch.Project}-web-1", TimeSpan.FromSeconds(1), Ct);
            await watch.UntilAsync(h => h.Health == HealthState.Degraded, "web stopped after the restart → Degraded");
            Assert.Equal(reconnects, watch.Monitor.Reconnects);
        });
    }

    /// <summary>Deploys web and api (the image's 1 s healthcheck) and a worker (no healthcheck) through the engine into an
    /// environment on <paramref name="daemon"/>, then runs a monitor on it and waits for Healthy.</summary>
    private async Task<Watch> DeployAndWatchAsync(PrivateDockerDaemon daemon, string? restartPolicy)
    {
        var environment = (await Store.Environments.CreateAsync(new NewEnvironment(Resources.Name("env"), daemon.Endpoint), Ct)).ValueOrThrow();
        var name = ProjectName();
        var restart = restartPolicy is null ? string.Empty : $"\n    restart: {restartPolicy}";
        var stack = $"""
            services:
              web:
                image: {TestImages.Web100}
                network_mode: none{restart}
              api:
                image: {TestImages.Web100}
                network_mode: none
                environment:
                  VERSION: api{restart}
              worker:
                image: {TestImages.Worker100}
                network_mode: none{restart}
            """;
        var request = new DeployRequest(environment.Id, name, "test:web:web", "web", "1.0.0", new StackSource(stack), [], "tester", "test");
        var operation = await RunAsync(Service.DeployAsync(request, Ct));
        Assert.True(operation.Status == OperationStatus.Succeeded, $"deploy {operation.Status}: {operation.Error}");

        var client = new DockerClient(DockerEndpoint.Parse(daemon.Endpoint));
        // Only the new events stream (or the resync right after reconnecting) can explain a change seen after the restart.
        var options = Options with { HealthResyncInterval = TimeSpan.FromMinutes(10), EventsReconnectDelay = TimeSpan.FromMilliseconds(200) };
        var watch = new Watch(name, client, new HealthMonitor(new DockerEngine(client), options, TimeProvider.System), Ct);
        await watch.UntilAsync(h => h.Health == HealthState.Healthy, "Healthy after the deploy");
        return watch;
    }

    /// <summary>Stops and starts the daemon; returns when it was down, so any read the monitor finishes later is of the new daemon.</summary>
    private async Task<DateTimeOffset> RestartAsync(PrivateDockerDaemon daemon)
    {
        await daemon.StopAsync(Ct);
        var down = DateTimeOffset.UtcNow;
        await daemon.StartAsync(Ct);
        return down;
    }

    private async Task<Dictionary<string, string>> StartsAsync(Watch watch)
    {
        var starts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in new[] { "web", "api", "worker" })
        {
            var inspect = await watch.Client.ContainerInspectAsync($"{watch.Project}-{service}-1", Ct);
            Assert.True(inspect.State?.Running, $"{service} is not running: {inspect.State?.Status}");
            starts[inspect.Id] = inspect.State!.StartedAt!;
        }

        return starts;
    }

    private static async Task WithDaemonLogAsync(PrivateDockerDaemon daemon, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}\n--- last lines of the private dockerd's log ({daemon.LogPath}) ---\n{daemon.LogTail()}", ex);
        }
    }

    /// <summary>A running monitor and what it published for one project.</summary>
    private sealed class Watch : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly Task _running;
        private readonly CancellationToken _ct;

        public Watch(string project, DockerClient client, HealthMonitor monitor, CancellationToken ct)
        {
            Project = project;
            Client = client;
            Monitor = monitor;
            _ct = ct;
            monitor.Changed += h =>
            {
                if (h.Project == project)
                {
                    Changes.Enqueue(h);
                }
            };
            monitor.Alert += h =>
            {
                if (h.Project == project)
                {
                    Alerts.Enqueue(h);
                }
            };
            _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            _running = monitor.RunAsync(_stop.Token);
        }

        public string Project { get; }

        public DockerClient Client { get; }

        public HealthMonitor Monitor { get; }

        public ConcurrentQueue<DeploymentHealth> Changes { get; } = new();

        public ConcurrentQueue<DeploymentHealth> Alerts { get; } = new();

        /// <summary>Waits for the project's current health to satisfy <paramref name="condition"/>; fails at once when the monitor stops.</summary>
        public async Task<DeploymentHealth> UntilAsync(Func<DeploymentHealth, bool> condition, string description)
        {
            var waiting = Wait.UntilAsync(_ => Task.FromResult(Monitor.Current.GetValueOrDefault(Project)), h => h is not null && condition(h),
                $"{description} ({Project})", cancellationToken: _ct);
            if (await Task.WhenAny(waiting, _running) == _running)
            {
                await _running;
                throw new InvalidOperationException($"the health monitor stopped while waiting for {description}");
            }

            return (await waiting)!;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _running;
            }
            finally
            {
                _stop.Dispose();
                Client.Dispose();
            }
        }
    }
}
