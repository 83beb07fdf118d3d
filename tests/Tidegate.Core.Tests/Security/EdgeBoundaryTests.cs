using CsCheck;
using Tidegate.Core.Definitions;
using Tidegate.Core.Edge;
using Tidegate.Core.Strategies;

namespace Tidegate.Core.Tests.Security;

/// <summary>Boundary: catalog author (whoever writes a stack) → the edge (HAProxy configuration and Runtime API). A stack
/// names services, paths and addresses that end up in haproxy.cfg and in Runtime API commands; each must be refused where
/// it enters, with a file/line diagnostic, and again by the builders.</summary>
public sealed class EdgeBoundaryTests
{
    private const string Injected = "http-request return status 299 content-type text/plain string injected-by-stack";

    private static IReadOnlyList<string> Errors(string service, string port, string listen, string? health = null)
    {
        var text = $$"""
            x-tidegate:
              edge:
                entries:
                  - service: {{service}}
                    port: {{port}}
                    listen: {{listen}}{{(health is null ? "" : "\n        healthPath: " + health)}}
            services:
              web:
                image: web:1
              web.api:
                image: web:1
            """;
        var stack = StackResolver.Resolve(StackLoader.LoadText(text, "stack.yml"));
        var (settings, errors) = RolloutSettings.From(stack);
        // What is refused never becomes an entry the edge could be asked to serve.
        Assert.True(errors.Count == 0 || settings.Entries.Count == 0, "a refused entry was still produced");
        return errors;
    }

    [Theory]
    [InlineData("\"web\\n    " + Injected + "\"", "x-tidegate.edge.entries[0].service")]
    [InlineData("\"web\\n\"", "x-tidegate.edge.entries[0].service")]
    [InlineData("\"web;ls\"", "x-tidegate.edge.entries[0].service")]
    [InlineData("\"web app\"", "x-tidegate.edge.entries[0].service")]
    [InlineData("\"'web'\"", "x-tidegate.edge.entries[0].service")]
    [InlineData("'\"web\"'", "x-tidegate.edge.entries[0].service")]
    [InlineData("\"web#x\"", "x-tidegate.edge.entries[0].service")]
    [InlineData("\"web/x\"", "x-tidegate.edge.entries[0].service")]
    [InlineData("\"-web\"", "x-tidegate.edge.entries[0].service")]
    [InlineData("\"w\\u00e9b\"", "x-tidegate.edge.entries[0].service")]
    [InlineData("db", "x-tidegate.edge.entries[0].service")]
    public void InjectedServiceNames_AreDiagnosticsWithFileAndLine(string service, string path)
    {
        var errors = Errors(service, "8080", "\"127.0.0.1:18080\"");
        var error = Assert.Single(errors);
        Assert.StartsWith($"stack.yml:4:", error, StringComparison.Ordinal);
        Assert.Contains($": error: {path}: ", error, StringComparison.Ordinal);
        // The diagnostic is one line: a newline in the value is shown escaped, never as a new line of the answer.
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("\"/health\\n    " + Injected + "\"")]
    [InlineData("\"/health " + Injected + "\"")]
    [InlineData("\"/health\\r\\n\"")]
    [InlineData("\"/health\\n\"")]
    [InlineData("\"/health\\t\"")]
    [InlineData("\"/h'x\"")]
    [InlineData("'/h\"x'")]
    [InlineData("\"/h#x\"")]
    [InlineData("\"/h\\\\x\"")]
    [InlineData("\"/h$$HOME\"")]
    [InlineData("\"/h;x\"")]
    [InlineData("\"/h{x}\"")]
    [InlineData("\"/h%zz\"")]
    [InlineData("health")]
    [InlineData("\"/h\\a\"")]
    public void InjectedHealthPaths_AreDiagnosticsWithFileAndLine(string health)
    {
        var error = Assert.Single(Errors("web", "8080", "\"127.0.0.1:18080\"", health));
        Assert.StartsWith("stack.yml:7:", error, StringComparison.Ordinal);
        Assert.Contains(": error: x-tidegate.edge.entries[0].healthPath: expected an absolute URL path", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("\"127.0.0.1:18080\\n    " + Injected + "\"")]
    [InlineData("\"127.0.0.1:18080 ssl crt /etc/shadow\"")]
    [InlineData("\"127.0.0.1:80\\n\"")]
    [InlineData("\"80\\n\"")]
    [InlineData("\"127.0.0.1:0\"")]
    [InlineData("\"127.0.0.1:65536\"")]
    [InlineData("\"127.0.0.1\"")]
    [InlineData("\"localhost:80\"")]
    [InlineData("\"999.0.0.1:80\"")]
    [InlineData("\"127.0.0.01:80\"")]
    [InlineData("\"1.2.3:80\"")]
    [InlineData("\"[::1]\"")]
    [InlineData("\"[zz::1]:80\"")]
    [InlineData("\"unix@/tmp/x.sock\"")]
    [InlineData("\"0\"")]
    [InlineData("\"-1\"")]
    [InlineData("\"99999\"")]
    [InlineData("\"127.0.0.1:80;127.0.0.1:81\"")]
    public void BadListenAddresses_AreDiagnosticsWithFileAndLine(string listen)
    {
        var error = Assert.Single(Errors("web", "8080", listen));
        Assert.StartsWith("stack.yml:6:", error, StringComparison.Ordinal);
        Assert.Contains(": error: x-tidegate.edge.entries[0].listen: expected address:port", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"127.0.0.1:18080\"", "127.0.0.1:18080")]
    [InlineData("\"0.0.0.0:80\"", "0.0.0.0:80")]
    [InlineData("\"[::1]:8080\"", "[::1]:8080")]
    [InlineData("\"[::]:80\"", "[::]:80")]
    [InlineData("8080", "0.0.0.0:8080")]
    [InlineData("\"127.0.0.1:08080\"", "127.0.0.1:8080")]
    public void GoodListenAddresses_AreAccepted_InTheFormHaproxyBinds(string listen, string expected)
    {
        var stack = StackResolver.Resolve(StackLoader.LoadText(
            $"x-tidegate:\n  edge:\n    entries:\n      - {{ service: web.api, port: 8080, listen: {listen}, healthPath: \"/health?probe=edge&x=%2F\" }}\n" +
            "services:\n  web.api:\n    image: web:1\n", "stack.yml"));
        var (settings, errors) = RolloutSettings.From(stack);
        Assert.Empty(errors);
        Assert.Equal(expected, Assert.Single(settings.Entries).Listen);
    }

    [Fact]
    public void TwoEntriesOnTheSamePort_OfAWildcardAndAnAddress_AreRefused()
    {
        var stack = StackResolver.Resolve(StackLoader.LoadText(
            "x-tidegate:\n  edge:\n    entries:\n      - { service: web, port: 8080, listen: \"0.0.0.0:80\" }\n" +
            "      - { service: web, port: 8081, listen: \"127.0.0.1:80\" }\nservices:\n  web:\n    image: web:1\n", "stack.yml"));
        Assert.Contains(RolloutSettings.From(stack).Errors, e => e.Contains("listen address 127.0.0.1:80 takes the port of 0.0.0.0:80", StringComparison.Ordinal));
    }

    [Fact]
    public void StrategyDurations_AreBounded_NotAnOverflow()
    {
        var stack = StackResolver.Resolve(StackLoader.LoadText(
            "x-tidegate:\n  strategy:\n    type: canary\n    pause: 99999999999999h\n    keepOldFor: 1e300s\n    delay: -5s\nservices:\n  web:\n    image: web:1\n", "stack.yml"));
        var errors = RolloutSettings.From(stack).Errors;
        Assert.Equal(3, errors.Count(e => e.Contains("expected a duration from 0 to 7 days", StringComparison.Ordinal)));
    }

    private static readonly (EdgeEntry Entry, string Problem)[] Refused =
    [
        (new EdgeEntry("shop", "web\n    " + Injected, 8080, "127.0.0.1:18080"), "service name"),
        (new EdgeEntry("shop", "web", 8080, "127.0.0.1:18080", "/health\n    " + Injected), "health path"),
        (new EdgeEntry("shop", "web", 8080, "127.0.0.1:18080\n    " + Injected), "listen address"),
        (new EdgeEntry("shop;x", "web", 8080, "127.0.0.1:18080"), "deployment name"),
        (new EdgeEntry("shop", "web", 8080, "127.0.0.1:18080", Environment: "env 1"), "environment id"),
        (new EdgeEntry("shop", "web", 0, "127.0.0.1:18080"), "port"),
        (new EdgeEntry("shop", "web", 8080, "8080"), "listen address"),
        (new EdgeEntry("shop", "web", 8080, "127.0.0.1:18080", RetryAfterSeconds: -1), "out of bounds"),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void TheConfigurationBuilder_RefusesWhatTheParserWouldHaveRefused(int index)
    {
        var (entry, problem) = Refused[index];
        var options = new EdgeOptions { Directory = "/var/lib/tidegate/edge" };
        var refused = Assert.Throws<EdgeNameException>(() =>
            HaproxyConfig.Render(options, new EdgeRegistry { Entries = [entry] }, new Dictionary<string, IReadOnlyList<EdgeServerLine>>()));
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Fact]
    public void TheConfigurationBuilder_RefusesBadServersPathsAndKeys()
    {
        var entry = new EdgeEntry("shop", "web", 8080, "127.0.0.1:18080", Environment: "env1");
        var registry = new EdgeRegistry { Entries = [entry] };
        var options = new EdgeOptions { Directory = "/var/lib/tidegate/edge" };
        Assert.Throws<EdgeNameException>(() => HaproxyConfig.Render(options, registry, new Dictionary<string, IReadOnlyList<EdgeServerLine>>
        {
            [entry.Backend] = [new EdgeServerLine("r1-1\n    " + Injected, "127.0.0.1:32768", 100, false)],
        }));
        Assert.Throws<EdgeNameException>(() => HaproxyConfig.Render(options, registry, new Dictionary<string, IReadOnlyList<EdgeServerLine>>
        {
            [entry.Backend] = [new EdgeServerLine("r1-1", "127.0.0.1:32768 backup", 100, false)],
        }));
        Assert.Throws<EdgeNameException>(() => HaproxyConfig.Render(new EdgeOptions { Directory = "/var/lib/tide gate" }, registry,
            new Dictionary<string, IReadOnlyList<EdgeServerLine>>()));
        Assert.Throws<EdgeNameException>(() => HaproxyConfig.Render(options, registry with { CookieKey = "k\n    " + Injected },
            new Dictionary<string, IReadOnlyList<EdgeServerLine>>()));
    }

    [Fact]
    public async Task RuntimeApiCommands_ThatWouldBeTwoCommands_AreRefusedBeforeAnythingIsSent()
    {
        // No socket exists at this path: a refusal must come before any connection attempt.
        var runtime = new HaproxyRuntime("/nonexistent/tidegate-edge/admin.sock");
        await Assert.ThrowsAsync<EdgeNameException>(() => runtime.RunAsync(CancellationToken.None, "set server be_x/r1-1 weight 1; shutdown sessions server be_y/r1-1"));
        await Assert.ThrowsAsync<EdgeNameException>(() => runtime.RunAsync(CancellationToken.None, "set server be_x/r1-1 weight 1\nshow info"));

        await using var edge = new HaproxyEdge(new EdgeOptions { Directory = "/nonexistent/tidegate-edge" }, TimeProvider.System);
        var entry = new EdgeEntry("shop", "web", 8080, "127.0.0.1:18080", Environment: "env1");
        await Assert.ThrowsAsync<EdgeNameException>(() => edge.ApplyAsync(entry, [("r1-1;shutdown sessions server be_other/r1-1", (int?)100, (EdgeServerState?)null)], CancellationToken.None));
        await Assert.ThrowsAsync<EdgeNameException>(() => edge.ApplyAsync(entry with { Service = "web;x" }, [("r1-1", (int?)100, (EdgeServerState?)null)], CancellationToken.None));
        await Assert.ThrowsAsync<EdgeNameException>(() =>
            edge.EnsureEntriesAsync("env1", "shop", [entry with { HealthPath = "/h\n    " + Injected }], CancellationToken.None));
    }

    private static readonly Gen<string> Environments = Gen.OneOf(
        Gen.String[Gen.Char["0123456789abcdef"], 32, 32],
        Gen.String[Gen.Char["ab1_-"], 1, 6]);

    // Small alphabets full of the separators make collisions likely if the naming were not injective.
    private static readonly Gen<string> Deployments = Gen.Select(Gen.Char["ab1"], Gen.String[Gen.Char["ab1_-"], 0, 5], (c, rest) => c + rest);

    private static readonly Gen<string> Services = Gen.Select(Gen.Char["ab1"], Gen.String[Gen.Char["ab1_.-"], 0, 5], (c, rest) => c + rest);

    private static readonly Gen<int> Ports = Gen.OneOf(Gen.Int[1, 12], Gen.Int[1, 65535]);

    private static readonly Gen<(string Environment, string Deployment, string Service, int Port)> Tuples =
        Gen.Select(Environments, Deployments, Services, Ports);

    [Fact]
    public void ProxyNames_AreInjective_AndOfTheStrictSet()
    {
        Tuples.Array[2, 40].Sample(tuples =>
        {
            var entries = tuples.Distinct().Select(t => new EdgeEntry(t.Deployment, t.Service, t.Port, "127.0.0.1:18080", Environment: t.Environment)).ToList();
            Assert.Equal(entries.Count, entries.Select(e => e.Frontend).Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(entries.Count, entries.Select(e => e.Backend).Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(entries.Count, entries.Select(e => e.Cookie).Distinct(StringComparer.Ordinal).Count());
            Assert.All(entries, e =>
            {
                Assert.True(EdgeNames.IsProxyName(e.Frontend) && EdgeNames.IsProxyName(e.Backend) && EdgeNames.IsProxyName(e.Cookie), e.Frontend);
                Assert.Empty(EdgeNames.Problems(e));
            });
        }, iter: 300);
    }

    [Fact]
    public void AnyAcceptedEntry_RendersTheSameLinesAsAPlainOne()
    {
        // Whatever a stack writes, an entry the checks accept adds exactly the lines of a plain entry: nothing can be injected.
        var options = new EdgeOptions { Directory = "/var/lib/tidegate/edge" };
        static int Lines(string config) => config.Split('\n').Length;
        var plain = Lines(HaproxyConfig.Render(options, new EdgeRegistry { Entries = [new EdgeEntry("a", "b", 1, "127.0.0.1:1", Environment: "e")] },
            new Dictionary<string, IReadOnlyList<EdgeServerLine>>()));
        var hostile = Gen.String[Gen.Char["a/.?=&%:@!*+,~-_ \t\n\r'\"#;$\\{}0F"], 1, 12];
        Gen.Select(hostile, hostile, hostile).Sample(t =>
        {
            var service = t.Item1.TrimStart('/', '.', '-', '_');
            var health = "/" + t.Item2;
            var listen = t.Item3;
            var entry = new EdgeEntry("shop", service, 8080, EdgeNames.NormalizeListen(listen) ?? listen, health, Environment: "env1");
            if (EdgeNames.Problems(entry).Count > 0)
            {
                Assert.Throws<EdgeNameException>(() => HaproxyConfig.Render(options, new EdgeRegistry { Entries = [entry] }, new Dictionary<string, IReadOnlyList<EdgeServerLine>>()));
                return;
            }

            var config = HaproxyConfig.Render(options, new EdgeRegistry { Entries = [entry] }, new Dictionary<string, IReadOnlyList<EdgeServerLine>>());
            Assert.Equal(plain, Lines(config));
            Assert.DoesNotContain('\r', config);
        }, iter: 400);
    }

    [Fact]
    public void HealthPaths_ThatPassTheCheck_CarryNoCharacterHaproxyInterprets()
    {
        Gen.String[Gen.Char[" \t\n'\"#;$\\/a%1?&="], 0, 10].Sample(s =>
        {
            var path = "/" + s;
            if (EdgeNames.IsHealthPath(path))
            {
                Assert.DoesNotContain(path, c => c is ' ' or '\t' or '\n' or '\'' or '"' or '#' or ';' or '$' or '\\');
            }
        }, iter: 400);
    }
}
