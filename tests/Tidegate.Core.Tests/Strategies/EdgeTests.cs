using System.Net;
using Tidegate.Core.Edge;
using Tidegate.Core.Store;
using Tidegate.Core.Strategies;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Strategies;

public sealed class EdgeTests(DockerDaemonFixture fixture) : EdgeTest(fixture)
{
    [Fact]
    public async Task Edge_ServesTheDeployment_ShowsTheMaintenancePage_AndKeepsServingWhileTidegateRestarts()
    {
        var name = ProjectName();
        var (_, deployment) = await RolloutAsync(name, WebStack("blue-green", Web("1.0.0"), "1.0.0"), "1.0.0", RolloutStrategyKind.BlueGreen, OperationStatus.Succeeded);
        Assert.Equal("1.0.0", await WaitEdgeAsync("1.0.0"));
        Assert.Equal(1, deployment.CurrentRevision);

        var status = await Edge.StatusAsync(Ct);
        var frontend = Assert.Single(status.Frontends);
        Assert.Equal($"fe_{name}.web.8080.{Environment.Id}", frontend.Name);
        var server = Assert.Single(frontend.Servers);
        Assert.Equal("r1-1", server.Name);
        Assert.StartsWith("127.0.0.1:", server.Address, StringComparison.Ordinal);
        Assert.Equal(100, server.Weight);

        // Maintenance: 503 with Retry-After and the page, toggled at runtime; then back.
        var pid = status.Pid;
        await Edge.SetMaintenanceAsync(Environment.Id, name, true, Ct);
        using (var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{Listen}/"), Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("17", response.Headers.GetValues("Retry-After").Single());
            Assert.Contains("text/html", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
            Assert.Contains("maintenance", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        Assert.True((await Edge.StatusAsync(Ct)).Frontends[0].Maintenance);
        await Edge.SetMaintenanceAsync(Environment.Id, name, false, Ct);
        Assert.Equal("1.0.0", await FirstAnswerAsync(Listen));
        Assert.Equal(pid, (await Edge.StatusAsync(Ct)).Pid);

        // "Restart Tidegate" under load: a new controller adopts the running HAProxy; nothing is reloaded or dropped.
        await using (var load = new HttpLoad(Listen, requestsPerSecond: 25, maxRequests: 2_000, maxDuration: TimeSpan.FromSeconds(30)))
        {
            load.Start();
            await Wait.UntilAsync(_ => Task.FromResult(load.Completed >= 50), "load running", cancellationToken: Ct);
            await Edge.DisposeAsync();
            var again = new HaproxyEdge(EdgeOptions, TimeProvider.System);
            await again.StartAsync(Ct);
            Assert.Equal(pid, (await again.StatusAsync(Ct)).Pid);
            Assert.Single((await again.StatusAsync(Ct)).Frontends[0].Servers);
            await Wait.UntilAsync(_ => Task.FromResult(load.Completed >= 100), "load after the restart", cancellationToken: Ct);
            await AssertNoFailuresAsync(load);
        }

        // A maintenance flag set before a restart is applied by the next start (registry + map file).
        var third = new HaproxyEdge(EdgeOptions, TimeProvider.System);
        await third.StartAsync(Ct);
        await third.SetMaintenanceAsync(Environment.Id, name, true, Ct);
        var fourth = new HaproxyEdge(EdgeOptions, TimeProvider.System);
        await fourth.StartAsync(Ct);
        Assert.True(fourth.InMaintenance(Environment.Id, name));
        using (var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{Listen}/"), Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        await fourth.SetMaintenanceAsync(Environment.Id, name, false, Ct);
        Assert.Equal("1.0.0", await FirstAnswerAsync(Listen));
    }

    [Fact]
    public async Task WithoutHaproxy_AnEdgeStrategyFailsWithAPreciseError_AndLeavesNothingBehind()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tidegate-edge-tests", Guid.NewGuid().ToString("N")[..12]);
        var missing = new HaproxyEdge(new EdgeOptions { Directory = directory, Executable = "/nonexistent/haproxy" }, TimeProvider.System);
        try
        {
            var driver = new RolloutDriver(Store, Environment, Options, new RolloutStrategies(missing, new RolloutRegistry(), TimeProvider.System));
            var name = ProjectName();
            var (operation, deployment) = await driver.RunAsync(name, WebStack("blue-green", Web("1.0.0"), "1.0.0"), "1.0.0", RolloutStrategyKind.BlueGreen, Ct);
            Assert.Equal(OperationStatus.Failed, operation.Status);
            Assert.Contains("is Debian's haproxy package installed?", operation.Error, StringComparison.Ordinal);
            Assert.Null(deployment.CurrentRevision);
            Assert.False(await ContainerExistsAsync($"{name}-web-1"));
        }
        finally
        {
            await missing.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Sync_BringsTheBackendInLineWithTheRunningContainers()
    {
        var name = ProjectName();
        var (_, deployment) = await RolloutAsync(name, WebStack("blue-green", Web("1.0.0"), "1.0.0"), "1.0.0", RolloutStrategyKind.BlueGreen, OperationStatus.Succeeded);
        var entry = Assert.Single(Edge.EntriesOf(Environment.Id, name));

        // Drift: the real server is gone and a stray one points at nothing.
        await Edge.RemoveServerAsync(entry, "r1-1", Ct);
        await Edge.AddServerAsync(entry, "r9-1", FreePort.Next(), 100, EdgeServerState.Ready, Ct);
        using (var docker = new Tidegate.Core.Environments.DockerEngineFactory().Open(Environment))
        {
            await Strategies.SyncAsync(docker, Environment.Id, deployment.Id, name, deployment.CurrentRevision, Ct);
        }

        var server = Assert.Single((await Edge.StatusAsync(Ct)).Frontends[0].Servers);
        Assert.Equal(("r1-1", 100), (server.Name, server.Weight));
        Assert.Equal("1.0.0", await WaitEdgeAsync("1.0.0"));
    }
}
