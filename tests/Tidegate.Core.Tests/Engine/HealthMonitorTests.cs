using Tidegate.Core.Engine;
using Tidegate.Core.Health;
using Tidegate.Docker.Containers;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

public sealed class HealthMonitorTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    [Fact]
    public async Task ContainerTurningUnhealthy_MakesTheDeploymentDegraded_AServiceWithoutHealthcheckStaysHealthy()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var stack = $"services:\n  web:\n    image: {TestImages.Web100}\n    ports:\n      - \"127.0.0.1:{port}:8080\"\n  worker:\n    image: {TestImages.Worker100}\n";
        await DeployAsync(Request(name, stack));
        using var engine = new DockerEngine(new Docker.DockerClient());
        var monitor = new HealthMonitor(engine, Options, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = monitor.RunAsync(stop.Token);

        await WaitForHealthAsync(monitor, name, h => h.Health == HealthState.Healthy);
        await Client.ExecRunAsync($"{name}-web-1", ["touch", "/tmp/unhealthy"], Ct);
        var degraded = await WaitForHealthAsync(monitor, name, h => h.Health == HealthState.Degraded);

        Assert.Equal(HealthState.Unhealthy, degraded.Services.Single(s => s.Service == "web").Health);
        Assert.Equal(HealthState.Healthy, degraded.Services.Single(s => s.Service == "worker").Health);
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task CrashingContainer_IsDetectedAsARestartLoop()
    {
        var project = ProjectName("crashy");
        using var engine = new DockerEngine(new Docker.DockerClient());
        var monitor = new HealthMonitor(engine, Options, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = monitor.RunAsync(stop.Token);
        var created = await Client.ContainerCreateAsync(new ContainerCreateRequest
        {
            Image = TestImages.Web100,
            Env = ["CRASH=1"],
            Labels = new Dictionary<string, string>(Resources.Labels)
            {
                [EngineLabels.Project] = project, [EngineLabels.Service] = "crashy", [EngineLabels.Managed] = "true",
            },
            HostConfig = new HostConfig { RestartPolicy = new Docker.Containers.RestartPolicy { Name = "always" } },
        }, Resources.Name("crashy"), Ct);
        await Client.ContainerStartAsync(created.Id, Ct);

        var health = await WaitForHealthAsync(monitor, project, h => h.Services is [{ RestartLoop: true }]);

        Assert.Equal(HealthState.Unhealthy, health.Health);
        await stop.CancelAsync();
        await running;
    }

    private Task<DeploymentHealth> WaitForHealthAsync(HealthMonitor monitor, string project, Func<DeploymentHealth, bool> condition) =>
        Wait.UntilAsync(_ => Task.FromResult(monitor.Current.TryGetValue(project, out var h) ? h : null), h => h is not null && condition(h),
            $"health of {project}", cancellationToken: Ct)!;
}
