using Tidegate.Core.Definitions;
using Tidegate.Core.Edge;
using Tidegate.Core.Strategies;

namespace Tidegate.Core.Tests.Strategies;

public sealed class RolloutSettingsTests
{
    private static (RolloutSettings Settings, IReadOnlyList<string> Errors) Parse(string xTidegate)
    {
        var stack = StackResolver.Resolve(StackLoader.LoadText(xTidegate + "\nservices:\n  web:\n    image: web:1\n"));
        return RolloutSettings.From(stack);
    }

    [Fact]
    public void FullCanarySection_IsTyped()
    {
        var (s, errors) = Parse("""
            x-tidegate:
              strategy:
                type: canary
                steps: [10, 50]
                pause: 45s
                sticky: true
                keepOldFor: 2m
                smokeTest: { path: /version, expectStatus: 200, expectBody: "2.0" }
                gates: { maxErrorRate: 0.02, maxAvgResponseMs: 300, minRequests: 50 }
              edge:
                entries:
                  - service: web
                    port: 8080
                    listen: "127.0.0.1:18080"
                    healthPath: /ready
                    retryAfter: 60
                    maxconn: 10
                    serverTimeout: 5s
            """);
        Assert.Empty(errors);
        Assert.Equal(RolloutStrategyKind.Canary, s.Kind);
        Assert.Equal([10, 50, 100], s.Steps);
        Assert.Equal(TimeSpan.FromSeconds(45), s.Pause);
        Assert.Equal(TimeSpan.FromMinutes(2), s.KeepOldFor);
        Assert.Equal(new SmokeTest("/version", 200, "2.0"), s.SmokeTest);
        Assert.Equal(new CanaryGates(0.02, 300, 50), s.Gates);
        var entry = Assert.Single(s.EdgeEntries("env1", "shop"));
        Assert.Equal(new EdgeEntry("shop", "web", 8080, "127.0.0.1:18080", "/ready", 60, Sticky: true, MaxConnPerServer: 10, ServerTimeoutMs: 5000, Environment: "env1"), entry);
        Assert.Equal("fe_shop.web.8080.env1", entry.Frontend);
    }

    [Fact]
    public void ShorthandAndManualPause()
    {
        Assert.Equal(RolloutStrategyKind.BlueGreen, Parse("x-tidegate:\n  strategy: blue-green").Settings.Kind);
        Assert.Null(Parse("x-tidegate:\n  strategy:\n    type: canary\n    pause: manual").Settings.Pause);
        Assert.Equal(RolloutStrategyKind.Recreate, Parse("x-tidegate:\n  product: p").Settings.Kind);
    }

    [Fact]
    public void BadValues_AreReportedWithTheirPath()
    {
        var (_, errors) = Parse("""
            x-tidegate:
              strategy:
                type: sideways
                steps: [50, 10]
                pause: soon
                gates: { maxErrorRate: 2 }
                colour: blue
              edge:
                entries:
                  - service: web
                    port: 8080
                    listen: "not-an-endpoint"
                  - port: 99999
            """);
        Assert.Contains(errors, e => e.Contains(": error: x-tidegate.strategy.type: expected recreate, rolling, blue-green or canary", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(": error: x-tidegate.strategy.steps[1]: steps must increase", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(": error: x-tidegate.strategy.pause: expected a duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(": error: x-tidegate.strategy.gates.maxErrorRate: expected a number from 0 to 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(": error: x-tidegate.strategy.colour: unknown field", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(": error: x-tidegate.edge.entries[0].listen: expected address:port", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(": error: x-tidegate.edge.entries[1].port: expected a number from 1 to 65535", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.EndsWith(": error: x-tidegate.edge.entries[1]: service, port and listen are required", StringComparison.Ordinal));
        // Each error says where: file, line and column of the offending node.
        Assert.Contains(errors, e => e.StartsWith("compose.yaml:3:11: error: x-tidegate.strategy.type:", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_RequestOverridesTheStack_AndEdgeStrategiesNeedAnEntry()
    {
        var stack = StackResolver.Resolve(StackLoader.LoadText("x-tidegate:\n  strategy: canary\nservices:\n  web:\n    image: web:1\n"));
        Assert.Equal(RolloutStrategyKind.Canary, RolloutStrategies.Resolve(null, stack).Kind);
        Assert.Contains(RolloutStrategies.Resolve(null, stack).Errors, e => e.Contains("needs x-tidegate.edge.entries", StringComparison.Ordinal));
        var recreate = RolloutStrategies.Resolve("recreate", stack);
        Assert.Equal((RolloutStrategyKind.Recreate, 0), (recreate.Kind, recreate.Errors.Count));
        Assert.Contains(RolloutStrategies.Resolve("big-bang", stack).Errors, e => e.Contains("got 'big-bang'", StringComparison.Ordinal));
        Assert.Null(RolloutStrategies.LoopbackPorts(stack));
        var withEntry = StackResolver.Resolve(StackLoader.LoadText(
            "x-tidegate:\n  edge:\n    entries:\n      - { service: web, port: 8080, listen: \"127.0.0.1:18080\" }\nservices:\n  web:\n    image: web:1\n"));
        Assert.Equal([8080], RolloutStrategies.LoopbackPorts(withEntry)!["web"]);
    }

    [Fact]
    public void Config_HasTheAdminSocketWithFdTransfer_OneFrontendPerEntry_AndTheMaintenanceRule()
    {
        var options = new EdgeOptions { Directory = "/var/lib/tidegate/edge" };
        var registry = new EdgeRegistry { Entries = [new EdgeEntry("shop", "web", 8080, "0.0.0.0:80", Sticky: true, Environment: "env1")] };
        var config = HaproxyConfig.Render(options, registry, new Dictionary<string, IReadOnlyList<EdgeServerLine>>
        {
            ["be_shop.web.8080.env1"] = [new EdgeServerLine("r3-1", "127.0.0.1:32768", 100, false), new EdgeServerLine("r2-1", "127.0.0.1:32767", 100, true)],
        });
        Assert.Contains("stats socket /var/lib/tidegate/edge/admin.sock mode 600 level admin expose-fd listeners", config, StringComparison.Ordinal);
        Assert.Contains("frontend fe_shop.web.8080.env1\n    bind 0.0.0.0:80\n", config, StringComparison.Ordinal);
        Assert.Contains("hdr Retry-After 30 if { fe_name,map(/var/lib/tidegate/edge/maintenance.map) -m found }", config, StringComparison.Ordinal);
        Assert.Contains("cookie TG_shop.web.8080.env1 insert indirect nocache dynamic", config, StringComparison.Ordinal);
        Assert.Contains("    server r3-1 127.0.0.1:32768 weight 100 check inter 1000 fall 3 rise 1\n", config, StringComparison.Ordinal);
        Assert.Contains("    server r2-1 127.0.0.1:32767 weight 100 check inter 1000 fall 3 rise 1 disabled\n", config, StringComparison.Ordinal);
        Assert.DoesNotContain("uid ", config, StringComparison.Ordinal);
        registry.Maintenance.Add(EdgeNames.Owner("env1", "shop"));
        Assert.Equal("fe_shop.web.8080.env1 1\n", HaproxyConfig.MaintenanceMap(registry));
    }

    [Fact]
    public void ServerNames_CarryTheRevision()
    {
        Assert.Equal("r12-3", EdgeServer.NameFor(12, 3));
        Assert.Equal(12, EdgeServer.ParseRevision("r12-3"));
        Assert.Null(EdgeServer.ParseRevision("web1"));
    }

    [Fact]
    public void Planner_ColorSuffixAndLoopbackPorts_AreAdditive()
    {
        var stack = StackResolver.Resolve(StackLoader.LoadText("services:\n  web:\n    image: web:1\n    ports: [\"127.0.0.1:8081:8080\"]\n"));
        var plain = Tidegate.Core.Engine.DeploymentPlanner.Plan(new Tidegate.Core.Engine.PlanInput(stack.Project!, "shop", 1, "s", "1"));
        var green = Tidegate.Core.Engine.DeploymentPlanner.Plan(new Tidegate.Core.Engine.PlanInput(stack.Project!, "shop", 1, "s", "1",
            NameSuffix: "-green", Color: "green", LoopbackPorts: new Dictionary<string, IReadOnlyList<int>> { ["web"] = [8080] }));
        var p = plain.Services[0].Containers[0];
        var g = green.Services[0].Containers[0];
        Assert.Equal("shop-web-1", p.Name);
        Assert.False(p.Create.Labels!.ContainsKey("tidegate.color"));
        Assert.Single(p.Create.HostConfig!.PortBindings!["8080/tcp"]!);
        Assert.Equal("shop-web-1-green", g.Name);
        Assert.Equal("green", g.Create.Labels!["tidegate.color"]);
        Assert.Equal([("127.0.0.1", "8081"), ("127.0.0.1", "")], g.Create.HostConfig!.PortBindings!["8080/tcp"]!.Select(b => (b.HostIp!, b.HostPort!)));
    }
}
