using Tidegate.Core.Definitions;
using Tidegate.Core.Engine;

namespace Tidegate.Core.Tests.Engine;

public sealed class PlannerTests
{
    private const string Stack = """
        services:
          db:
            image: tidegate-test/worker:1.0.0
            volumes:
              - data:/data
            healthcheck:
              test: ["CMD-SHELL", "true"]
              interval: 2s
              start_period: 5s
            stop_grace_period: 20s
          migrate:
            image: tidegate-test/worker:1.0.0
            depends_on:
              db:
                condition: service_healthy
          web:
            image: tidegate-test/web:1.0.0
            ports:
              - "127.0.0.1:18080:8080"
              - "9090"
            environment:
              VERSION: "1.0.0"
            depends_on:
              migrate:
                condition: service_completed_successfully
            networks:
              front:
                aliases: [www]
              default: {}
            restart: on-failure:3
            init: true
            cap_add: [NET_ADMIN]
            user: "1000"
            working_dir: /srv
            hostname: webhost
            extra_hosts: ["db.local:10.0.0.1"]
            tmpfs: ["/run:size=1m"]
            ulimits:
              nofile: {soft: 1024, hard: 2048}
            sysctls:
              net.core.somaxconn: "1024"
            stop_signal: SIGINT
            labels:
              app.role: frontend
            mem_limit: 64m
            cpus: 0.5
          named:
            image: tidegate-test/web:1.0.0
            container_name: fixed-name
        networks:
          front: {}
          outside:
            external: true
        volumes:
          data: {}
          shared:
            external: true
            name: shared-data
        """;

    private static DeploymentPlan PlanOf(string text = Stack, string name = "shop", int revision = 3)
    {
        var resolved = StackResolver.Resolve(StackLoader.LoadText(text));
        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        return DeploymentPlanner.Plan(new PlanInput(resolved.Project!, name, revision, "demo:shop:web", "1.0.0",
            ExtraLabels: new Dictionary<string, string> { ["owner"] = "test" }));
    }

    [Theory]
    [InlineData("db", "shop-db-1")]
    [InlineData("migrate", "shop-migrate-1")]
    [InlineData("web", "shop-web-1")]
    [InlineData("named", "fixed-name")]
    public void ContainerNames_FollowComposeV2_AndHonourContainerName(string service, string expected) =>
        Assert.Equal(expected, PlanOf().Service(service).Containers.Single().Name);

    [Theory]
    [InlineData("default", "shop_default", false)]
    [InlineData("front", "shop_front", false)]
    [InlineData("outside", "outside", true)]
    public void Networks_ArePrefixedWithTheProject_ExternalOnesReferenced(string key, string name, bool external)
    {
        var network = PlanOf().Networks.Single(n => n.Key == key);
        Assert.Equal(name, network.Name);
        Assert.Equal(external, network.External);
        Assert.Equal("shop", network.Create.Labels![EngineLabels.Project]);
        Assert.Equal(key, network.Create.Labels[EngineLabels.Network]);
        Assert.Equal("true", network.Create.Labels[EngineLabels.Managed]);
        Assert.Equal("test", network.Create.Labels["owner"]);
    }

    [Theory]
    [InlineData("data", "shop_data", false)]
    [InlineData("shared", "shared-data", true)]
    public void Volumes_ArePrefixedWithTheProject_ExternalOnesReferenced(string key, string name, bool external)
    {
        var volume = PlanOf().Volumes.Single(v => v.Key == key);
        Assert.Equal(name, volume.Name);
        Assert.Equal(external, volume.External);
        Assert.Equal(key, volume.Create.Labels![EngineLabels.Volume]);
    }

    [Theory]
    [InlineData(EngineLabels.Project, "shop")]
    [InlineData(EngineLabels.Service, "web")]
    [InlineData(EngineLabels.ContainerNumber, "1")]
    [InlineData(EngineLabels.OneOff, "False")]
    [InlineData(EngineLabels.Deployment, "shop")]
    [InlineData(EngineLabels.Revision, "3")]
    [InlineData(EngineLabels.Stack, "demo:shop:web")]
    [InlineData(EngineLabels.Version, "1.0.0")]
    [InlineData("app.role", "frontend")]
    [InlineData("owner", "test")]
    public void ContainerLabels_AreComposeAndTidegateLabels(string key, string value) =>
        Assert.Equal(value, PlanOf().Service("web").Containers[0].Create.Labels![key]);

    [Fact]
    public void ContainerCreate_CarriesTheServiceSettings()
    {
        var create = PlanOf().Service("web").Containers[0].Create;
        var host = create.HostConfig!;
        Assert.Equal("tidegate-test/web:1.0.0", create.Image);
        Assert.Contains("VERSION=1.0.0", create.Env!);
        Assert.Equal("127.0.0.1", host.PortBindings!["8080/tcp"]![0].HostIp);
        Assert.Equal("18080", host.PortBindings["8080/tcp"]![0].HostPort);
        Assert.Equal(string.Empty, host.PortBindings["9090/tcp"]![0].HostIp);
        Assert.Equal("on-failure", host.RestartPolicy!.Name);
        Assert.Equal(3, host.RestartPolicy.MaximumRetryCount);
        Assert.True(host.Init);
        Assert.Equal(["NET_ADMIN"], host.CapAdd!);
        Assert.Equal("1000", create.User);
        Assert.Equal("/srv", create.WorkingDir);
        Assert.Equal("webhost", create.Hostname);
        Assert.Equal(["db.local:10.0.0.1"], host.ExtraHosts!);
        Assert.Equal("size=1m", host.Tmpfs!["/run"]);
        Assert.Equal(2048, host.Ulimits!.Single(u => u.Name == "nofile").Hard);
        Assert.Equal("1024", host.Sysctls!["net.core.somaxconn"]);
        Assert.Equal("SIGINT", create.StopSignal);
        Assert.Equal(64 * 1024 * 1024, host.Memory);
        Assert.Equal(500_000_000, host.NanoCpus);
    }

    [Fact]
    public void Networks_AttachWithServiceNameAlias_HighestPriorityAtCreate()
    {
        var web = PlanOf().Service("web").Containers[0];
        var all = new[] { web.Create.NetworkingConfig!.EndpointsConfig!.Single() }
            .Select(e => (e.Key, e.Value.Aliases!))
            .Concat(web.ExtraNetworks.Select(n => (n.Network, n.Aliases)))
            .ToDictionary(x => x.Item1, x => x.Item2);
        Assert.Equal(["web", "www"], all["shop_front"]);
        Assert.Equal(["web"], all["shop_default"]);
        Assert.Equal(web.Create.HostConfig!.NetworkMode, web.Create.NetworkingConfig!.EndpointsConfig!.Single().Key);
    }

    [Fact]
    public void VolumesMountByProjectName_HealthcheckAndStopGraceAreKept()
    {
        var db = PlanOf().Service("db");
        var create = db.Containers[0].Create;
        Assert.Equal("shop_data", create.HostConfig!.Mounts!.Single().Source);
        Assert.Equal(["CMD-SHELL", "true"], create.Healthcheck!.Test!);
        Assert.Equal(5_000_000_000, create.Healthcheck.StartPeriod);
        Assert.Equal(20, create.StopTimeout);
        Assert.True(db.HasHealthCheck);
        Assert.Equal(TimeSpan.FromSeconds(20), db.StopTimeout);
    }

    [Fact]
    public void ConfigHash_IsStableAcrossRevisions_AndChangesWithTheService()
    {
        var first = PlanOf(revision: 1).Service("web").ConfigHash;
        Assert.Equal(first, PlanOf(revision: 2).Service("web").ConfigHash);
        Assert.NotEqual(first, PlanOf(Stack.Replace("VERSION: \"1.0.0\"", "VERSION: \"2.0.0\"", StringComparison.Ordinal)).Service("web").ConfigHash);
        Assert.Equal(first, PlanOf().Service("web").Containers[0].Create.Labels![EngineLabels.ConfigHash]);
    }

    [Fact]
    public void Waves_OrderServicesAfterTheirDependencies()
    {
        var waves = PlanOf().Waves().Select(w => w.Select(s => s.Name).Order().ToArray()).ToList();
        Assert.Equal([["db", "named"], ["migrate"], ["web"]], waves);
    }

    [Fact]
    public void Replicas_GiveNumberedContainers()
    {
        var plan = PlanOf("services:\n  app:\n    image: x:1\n    deploy:\n      replicas: 3\n", "p");
        Assert.Equal(["p-app-1", "p-app-2", "p-app-3"], PlanOfNamed(plan));

        static string[] PlanOfNamed(DeploymentPlan p) => [.. p.Service("app").Containers.Select(c => c.Name)];
    }

    [Fact]
    public void NetworkModeService_PointsAtTheFirstContainerOfThatService()
    {
        var plan = PlanOf("services:\n  a:\n    image: x:1\n  b:\n    image: x:1\n    network_mode: service:a\n", "p");
        var b = plan.Service("b").Containers[0].Create;
        Assert.Equal("container:p-a-1", b.HostConfig!.NetworkMode);
        Assert.Null(b.NetworkingConfig);
    }

    // Written by the planner before it knew devices, platform, secrets and configs: a service that uses none of them
    // must keep its hash, or the first rollout after an upgrade of Tidegate would replace every service.
    [Theory]
    [InlineData("db", "3bbf6c0cd5b551a4f197bdab7749cc1be40d8f4eb14839a39d59faa93309a7eb")]
    [InlineData("migrate", "c70ee4cf6f83948b5ef57d91280a2150d127a8a3fbfcbe3e65f93053c43cc817")]
    [InlineData("named", "701ea61e4dcfed7103c24936f0b51fa1323b23ac6ba7589771164349c8e64412")]
    [InlineData("web", "0a73ec2c80accb2a1fde52a6a7d146265ee9f4b2fa975148515aa0b8dfc68550")]
    public void ConfigHash_OfAServiceWithoutTheLaterFields_IsWhatEarlierVersionsWrote(string service, string hash) =>
        Assert.Equal(hash, PlanOf().Service(service).ConfigHash);
}
