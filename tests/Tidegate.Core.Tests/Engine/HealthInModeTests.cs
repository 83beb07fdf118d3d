using System.Collections.Concurrent;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Health;
using Tidegate.Core.Store;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

/// <summary>The live health monitor reading health in mode context (as the server wires it): maintenance is planned downtime
/// without alerts, while a keep-running container that fails during maintenance still alerts.</summary>
public sealed class HealthInModeTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    [Fact]
    public async Task Maintenance_IsNotDownAndRaisesNoAlert_ButAKeepRunningContainerFailingStillAlerts()
    {
        var name = ProjectName();
        var stack = $$"""
            services:
              db:
                image: {{TestImages.Worker100}}
                labels:
                  tidegate.maintenance: ignore
              app:
                image: {{TestImages.Web100}}
                depends_on: [db]
                healthcheck:
                  disable: true
            """;
        var (_, deployment) = await DeployAsync(Request(name, stack));
        using var engine = new DockerEngine(new Docker.DockerClient());
        var monitor = new HealthMonitor(engine, Options, TimeProvider.System, async (project, ct) =>
            await Store.Deployments.GetByNameAsync(Environment.Id, project, ct) is { } d
                ? new ModeContext(d.Mode, (await Store.Locks.GetAsync(d.Id, ct))?.ExpiresAt > DateTimeOffset.UtcNow)
                : null);
        var alerts = new ConcurrentQueue<DeploymentHealth>();
        monitor.Alert += alerts.Enqueue;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = monitor.RunAsync(stop.Token);
        await WaitForHealthAsync(monitor, name, h => h.Health == HealthState.Healthy);

        var started = Assert.IsType<ModeChangeResult.Started>(await Service.ChangeModeAsync(deployment.Id,
            new ModeChangeRequest(OperationMode.Maintenance, "backup", "alice"), Ct));
        await Service.WaitForOperationAsync(started.OperationId, Ct);
        var maintenance = await WaitForHealthAsync(monitor, name, h => h.Health == HealthState.Maintenance);
        Assert.Equal(HealthState.Maintenance, maintenance.Services.Single(s => s.Service == "app").Health);
        Assert.Equal(HealthState.Healthy, maintenance.Services.Single(s => s.Service == "db").Health);
        Assert.Empty(alerts);

        // Not planned: the database that should keep running stops.
        await Client.ContainerStopAsync($"{name}-db-1", TimeSpan.FromSeconds(1), Ct);
        await WaitForHealthAsync(monitor, name, h => h.Health == HealthState.Unhealthy);
        var alert = await Wait.UntilAsync(_ => Task.FromResult(alerts.LastOrDefault()), a => a is not null, "an alert", cancellationToken: Ct);
        Assert.Equal((name, HealthState.Unhealthy), (alert!.Project, alert.Health));

        await stop.CancelAsync();
        await running;
    }

    private Task<DeploymentHealth> WaitForHealthAsync(HealthMonitor monitor, string project, Func<DeploymentHealth, bool> condition) =>
        Wait.UntilAsync(_ => Task.FromResult(monitor.Current.TryGetValue(project, out var h) ? h : null), h => h is not null && condition(h),
            $"health of {project}", cancellationToken: Ct)!;
}
