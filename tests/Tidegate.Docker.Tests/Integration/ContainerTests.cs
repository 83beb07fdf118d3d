using System.Net;
using Tidegate.Docker.Containers;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

public sealed class ContainerTests(DockerDaemonFixture fixture) : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>
{
    [Fact]
    public async Task ContainerCreate_WhenFullConfigGiven_InspectShowsEverySetting()
    {
        var volume = Resources.Name("data");
        var request = new ContainerCreateRequest
        {
            Image = TestImages.Web110,
            Env = ["GREETING=hello", "PORT=8080"],
            Labels = new Dictionary<string, string>(Resources.Labels) { ["role"] = "web" },
            ExposedPorts = new Dictionary<string, EmptyObject> { ["8080/tcp"] = new() },
            StopSignal = "SIGINT",
            StopTimeout = 7,
            Healthcheck = HealthConfig.Create("wget -q -O /dev/null http://127.0.0.1:8080/health", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 3),
            HostConfig = new HostConfig
            {
                PortBindings = new Dictionary<string, IReadOnlyList<PortBinding>?> { ["8080/tcp"] = [new PortBinding { HostIp = "127.0.0.1", HostPort = string.Empty }] },
                RestartPolicy = new RestartPolicy { Name = "on-failure", MaximumRetryCount = 2 },
                Binds = ["/tmp:/host-tmp:ro"],
                Mounts = [new Mount { Type = "volume", Source = volume, Target = "/data", VolumeOptions = new VolumeOptions { Labels = Resources.Labels } }],
                Memory = 64 * 1024 * 1024,
                NanoCpus = 500_000_000,
                Init = true,
                CapAdd = ["NET_ADMIN"],
                CapDrop = ["MKNOD"],
            },
        };

        var created = await Client.ContainerCreateAsync(request, Resources.Name("full"), Ct);
        var inspect = await Client.ContainerInspectAsync(created.Id, Ct);

        Assert.Equal(created.Id, inspect.Id);
        Assert.Equal("/" + Resources.Name("full"), inspect.Name);
        Assert.Equal("created", inspect.State!.Status);
        Assert.Contains("GREETING=hello", inspect.Config!.Env!);
        Assert.Equal("web", inspect.Config.Labels!["role"]);
        Assert.Equal("SIGINT", inspect.Config.StopSignal);
        Assert.Equal(7, inspect.Config.StopTimeout);
        Assert.Equal(["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/health"], inspect.Config.Healthcheck!.Test);
        Assert.Equal(2_000_000_000, inspect.Config.Healthcheck.Interval);
        Assert.Equal("on-failure", inspect.HostConfig!.RestartPolicy!.Name);
        Assert.Equal(2, inspect.HostConfig.RestartPolicy.MaximumRetryCount);
        Assert.Equal(64 * 1024 * 1024, inspect.HostConfig.Memory);
        Assert.Equal(500_000_000, inspect.HostConfig.NanoCpus);
        Assert.True(inspect.HostConfig.Init);
        Assert.Contains("NET_ADMIN", inspect.HostConfig.CapAdd!);
        Assert.Contains("MKNOD", inspect.HostConfig.CapDrop!);
        Assert.Contains("/tmp:/host-tmp:ro", inspect.HostConfig.Binds!);
        Assert.Equal(volume, Assert.Single(inspect.HostConfig.Mounts!).Source);
        Assert.Equal("127.0.0.1", inspect.HostConfig.PortBindings!["8080/tcp"]![0].HostIp);
    }

    [Fact]
    public async Task ContainerStart_WhenWebImageRuns_ServesItsVersionOnLoopbackPort()
    {
        var id = await RunWebAsync(TestImages.Web200);

        Assert.Equal("2.0.0", await WaitForHttpAsync(id));
        var inspect = await Client.ContainerInspectAsync(id, Ct);
        Assert.True(inspect.State!.Running);
    }

    [Fact]
    public async Task ContainerStop_WhenRunning_StopsPromptlyAndStartAgainWorks()
    {
        var id = await RunWebAsync();
        await WaitForHttpAsync(id);

        await Client.ContainerStopAsync(id, TimeSpan.FromSeconds(10), Ct);
        var stopped = await Client.ContainerInspectAsync(id, Ct);
        await Client.ContainerStopAsync(id, cancellationToken: Ct);
        await Client.ContainerStartAsync(id, Ct);
        await Client.ContainerStartAsync(id, Ct);
        var restarted = await Client.ContainerInspectAsync(id, Ct);

        Assert.Equal("exited", stopped.State!.Status);
        Assert.Equal(0, stopped.State.ExitCode);
        Assert.True(restarted.State!.Running);
    }

    [Fact]
    public async Task ContainerRestart_WhenRunning_StartsANewProcess()
    {
        var id = await RunWebAsync();
        var before = await Client.ContainerInspectAsync(id, Ct);

        await Client.ContainerRestartAsync(id, TimeSpan.FromSeconds(5), Ct);
        var after = await Client.ContainerInspectAsync(id, Ct);

        Assert.True(after.State!.Running);
        Assert.NotEqual(before.State!.StartedAt, after.State.StartedAt);
    }

    [Fact]
    public async Task ContainerKill_WhenSignalGiven_DeliversIt()
    {
        var created = await Client.ContainerCreateAsync(new ContainerCreateRequest { Image = TestImages.Worker100, Labels = Resources.Labels }, Resources.Name("worker"), Ct);
        await Client.ContainerStartAsync(created.Id, Ct);
        await Wait.UntilAsync(
            async ct => (await ToListAsync(Client.ContainerLogsAsync(created.Id, cancellationToken: ct))).Count,
            count => count >= 2,
            "the worker to print its first tick",
            cancellationToken: Ct);

        await Client.ContainerKillAsync(created.Id, "SIGTERM", Ct);
        var exit = await Client.ContainerWaitAsync(created.Id, cancellationToken: Ct);
        var logs = await ToListAsync(Client.ContainerLogsAsync(created.Id, cancellationToken: Ct));

        Assert.Equal(0, exit.StatusCode);
        Assert.Contains(logs, l => l.Text == "worker 1.0.0: stopping");
    }

    [Fact]
    public async Task ContainerWait_WhenCrashIsSet_ReturnsTheExitCode()
    {
        var id = await RunWebAsync(env: ["CRASH=1"]);

        var exit = await Client.ContainerWaitAsync(id, "not-running", Ct);

        Assert.Equal(3, exit.StatusCode);
        Assert.Equal(3, (await Client.ContainerInspectAsync(id, Ct)).State!.ExitCode);
    }

    [Fact]
    public async Task ContainerRemove_WhenForced_RemovesRunningContainer()
    {
        var id = await RunWebAsync();

        await Client.ContainerRemoveAsync(id, force: true, removeVolumes: true, Ct);

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => Client.ContainerInspectAsync(id, Ct));
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task ContainerRemove_WhenRunningAndNotForced_ThrowsConflict()
    {
        var id = await RunWebAsync();

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => Client.ContainerRemoveAsync(id, cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode);
        Assert.Contains("stop", ex.DaemonMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ContainerInspect_WhenIdUnknown_Throws404WithDaemonMessage()
    {
        var ex = await Assert.ThrowsAsync<DockerApiException>(() => Client.ContainerInspectAsync("tidegate-no-such-container-" + Resources.Id, Ct));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Contains("No such container", ex.DaemonMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ContainerCreate_WhenConfigInvalid_SurfacesDaemonMessage()
    {
        var request = new ContainerCreateRequest
        {
            Image = TestImages.Web100,
            Labels = Resources.Labels,
            HostConfig = new HostConfig { RestartPolicy = new RestartPolicy { Name = "sometimes" } },
        };

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => Client.ContainerCreateAsync(request, Resources.Name("bad"), Ct));

        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Contains("sometimes", ex.DaemonMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContainerCreate_WhenImageMissing_Throws404NamingTheImage()
    {
        var request = new ContainerCreateRequest { Image = "tidegate-test/absent:" + Resources.Id, Labels = Resources.Labels };

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => Client.ContainerCreateAsync(request, cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Contains("tidegate-test/absent", ex.DaemonMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContainerList_WhenFilteredByLabel_ReturnsOnlyThisTestsContainers()
    {
        var running = await RunWebAsync(name: Resources.Name("one"));
        var created = (await CreateWebAsync(name: Resources.Name("two"))).Id;

        var runningOnly = await Client.ContainerListAsync(new ContainerListParameters { LabelFilters = [Resources.LabelFilter] }, Ct);
        var all = await Client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = [Resources.LabelFilter] }, Ct);

        Assert.Equal([running], runningOnly.Select(c => c.Id));
        Assert.Equal(new[] { running, created }.Order(), all.Select(c => c.Id).Order());
        Assert.All(all, c => Assert.Equal(Resources.Id, c.Labels![TestResources.LabelKey]));
    }

    [Fact]
    public async Task ContainerRename_WhenNameFree_ChangesTheName()
    {
        var id = (await CreateWebAsync()).Id;

        await Client.ContainerRenameAsync(id, Resources.Name("renamed"), Ct);

        Assert.Equal("/" + Resources.Name("renamed"), (await Client.ContainerInspectAsync(id, Ct)).Name);
    }

    [Fact]
    public async Task ContainerStats_WhenRunning_ReportsMemoryAndPids()
    {
        var id = await RunWebAsync();
        await WaitForHttpAsync(id);

        var stats = await Client.ContainerStatsAsync(id, Ct);

        Assert.True(stats.MemoryStats!.Usage > 0);
        Assert.True(stats.PidsStats!.Current >= 1);
    }

    [Fact]
    public async Task ContainerInspect_WhenHealthEndpointAnswers200_HealthReachesHealthyWithLog()
    {
        var id = await RunWebAsync();

        var health = await Wait.UntilAsync(
            async ct => (await Client.ContainerInspectAsync(id, ct)).State!.Health!,
            h => h.Status == "healthy",
            "the web container to become healthy",
            cancellationToken: Ct);

        Assert.NotEmpty(health.Log!);
        Assert.Equal(0, health.Log![^1].ExitCode);
    }

    [Fact]
    public async Task ContainerInspect_WhenHealthFailIsSet_HealthReachesUnhealthy()
    {
        var id = await RunWebAsync(env: ["HEALTH_FAIL=1"]);

        var health = await Wait.UntilAsync(
            async ct => (await Client.ContainerInspectAsync(id, ct)).State!.Health!,
            h => h.Status == "unhealthy",
            "the web container with HEALTH_FAIL=1 to become unhealthy",
            cancellationToken: Ct);

        Assert.True(health.FailingStreak >= 2);
        Assert.NotEqual(0, health.Log![^1].ExitCode);
    }

    [Fact]
    public async Task WebImage_WhenHealthFailIsSet_HealthPathAnswers500AndVersionStill200()
    {
        var failing = await RunWebAsync(env: ["HEALTH_FAIL=1"], name: Resources.Name("failing"));
        var healthy = await RunWebAsync(name: Resources.Name("healthy"));
        await WaitForHttpAsync(failing);
        await WaitForHttpAsync(healthy);

        using var bad = await Http.GetAsync(new Uri(await WebAddressAsync(failing), "health"), Ct);
        using var good = await Http.GetAsync(new Uri(await WebAddressAsync(healthy), "health"), Ct);
        using var missing = await Http.GetAsync(new Uri(await WebAddressAsync(healthy), "nope"), Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task WebImage_WhenStartDelayAndPortSet_ListensLaterOnThatPort()
    {
        var created = await Client.ContainerCreateAsync(
            new ContainerCreateRequest
            {
                Image = TestImages.Web100,
                Env = ["START_DELAY=2", "PORT=9090"],
                Labels = Resources.Labels,
                ExposedPorts = new Dictionary<string, EmptyObject> { ["9090/tcp"] = new() },
                HostConfig = new HostConfig
                {
                    PortBindings = new Dictionary<string, IReadOnlyList<PortBinding>?> { ["9090/tcp"] = [new PortBinding { HostIp = "127.0.0.1" }] },
                },
            },
            Resources.Name("delayed"),
            Ct);
        await Client.ContainerStartAsync(created.Id, Ct);
        var port = (await Client.ContainerInspectAsync(created.Id, Ct)).NetworkSettings!.Ports!["9090/tcp"]![0].HostPort;
        var address = new Uri($"http://127.0.0.1:{port}/version");

        var body = await Wait.UntilAsync(
            async ct => (await Http.GetStringAsync(address, ct)).Trim(),
            b => b == "1.0.0",
            "the delayed web app to answer",
            cancellationToken: Ct);
        // Read after the app answered: it has printed its start-up lines by then.
        var logs = await ToListAsync(Client.ContainerLogsAsync(created.Id, cancellationToken: Ct));

        Assert.Contains(logs, l => l.Text.Contains("waiting 2s", StringComparison.Ordinal));
        Assert.Equal("1.0.0", body);
    }
}
