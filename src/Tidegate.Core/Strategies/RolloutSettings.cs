using System.Globalization;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Yaml;
using Tidegate.Core.Edge;

namespace Tidegate.Core.Strategies;

internal enum RolloutStrategyKind
{
    Recreate,
    Rolling,
    BlueGreen,
    Canary,
}

/// <summary>An optional check against the new color before any traffic reaches it.</summary>
internal sealed record SmokeTest(string Path, int ExpectStatus = 200, string? ExpectBody = null);

/// <summary>Canary gates, evaluated on the edge's counters of the candidate during each step.</summary>
internal sealed record CanaryGates(double MaxErrorRate = 0.05, long? MaxAvgResponseMs = null, long MinRequests = 0);

/// <summary>Typed x-tidegate.strategy and x-tidegate.edge. See docs/strategies.md for the YAML shape.</summary>
internal sealed record RolloutSettings
{
    public RolloutStrategyKind Kind { get; init; } = RolloutStrategyKind.Recreate;

    /// <summary>Blue-green: how long the old color stays (in maintenance at the edge) for an instant switch back.</summary>
    public TimeSpan KeepOldFor { get; init; } = TimeSpan.FromMinutes(5);

    public SmokeTest? SmokeTest { get; init; }

    public IReadOnlyList<int> Steps { get; init; } = [10, 50, 100];

    /// <summary>Null: each step waits for a manual promote.</summary>
    public TimeSpan? Pause { get; init; } = TimeSpan.FromSeconds(30);

    public CanaryGates Gates { get; init; } = new();

    public bool Sticky { get; init; }

    /// <summary>Rolling: new containers started per batch (each healthy before as many old ones are drained).</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Rolling: wait between batches.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.Zero;

    public IReadOnlyList<EdgeEntrySpec> Entries { get; init; } = [];

    public static string Name(RolloutStrategyKind kind) => kind switch
    {
        RolloutStrategyKind.BlueGreen => "blue-green",
        RolloutStrategyKind.Canary => "canary",
        RolloutStrategyKind.Rolling => "rolling",
        _ => "recreate",
    };

    public static RolloutStrategyKind? ParseKind(string? value) => value switch
    {
        "recreate" => RolloutStrategyKind.Recreate,
        "rolling" => RolloutStrategyKind.Rolling,
        "blue-green" or "bluegreen" => RolloutStrategyKind.BlueGreen,
        "canary" => RolloutStrategyKind.Canary,
        _ => null,
    };

    /// <summary>The edge entries of deployment <paramref name="deployment"/> of environment <paramref name="environment"/>.</summary>
    public IReadOnlyList<EdgeEntry> EdgeEntries(string environment, string deployment) =>
        Entries.Select(e => new EdgeEntry(deployment, e.Service, e.Port, e.Listen, e.HealthPath, e.RetryAfterSeconds, Sticky, e.MaxConnPerServer,
            e.ServerTimeout is { } t ? (int)t.TotalMilliseconds : null, environment)).ToList();

    /// <summary>The longest duration any strategy field takes (a week): beyond it a value is a mistake, not a plan.</summary>
    internal static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);

    /// <summary>Reads both sections of a resolved stack; errors are diagnostics with file, line and path
    /// ("stack.yml:12:19: error: x-tidegate.edge.entries[0].service: ..."). Entry services must be services of the stack.</summary>
    public static (RolloutSettings Settings, IReadOnlyList<string> Errors) From(ResolvedStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var diagnostics = new List<Diagnostic>();
        var ctx = new ParseContext(diagnostics, stack.Template.File);
        var settings = new RolloutSettings();
        if (stack.Extension.Section("strategy") is { } strategy && !strategy.IsNull())
        {
            settings = ParseStrategy(strategy, settings, ctx);
        }

        if (stack.Extension.Section("edge") is { } edge && !edge.IsNull())
        {
            var services = stack.Project?.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            settings = settings with { Entries = ParseEdge(edge, ctx, services) };
        }

        return (settings, [.. diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString())]);
    }

    private static RolloutSettings ParseStrategy(YNode node, RolloutSettings s, ParseContext ctx)
    {
        const string p = "x-tidegate.strategy";
        if (node is YScalar scalar)
        {
            return s with { Kind = ParseKindAt(scalar, scalar.Value, p, ctx) };
        }

        if (node is not YMap map)
        {
            ctx.Error(node, p, $"expected a strategy name or a mapping, got {node.Describe()}");
            return s;
        }

        foreach (var e in map.Entries)
        {
            var fp = p + "." + e.Key.Value;
            switch (e.Key.Value)
            {
                case "type": s = s with { Kind = ParseKindAt(e.Value, Scalar(e.Value, fp, ctx), fp, ctx) }; break;
                case "keepOldFor": s = s with { KeepOldFor = Duration(e.Value, fp, ctx) ?? s.KeepOldFor }; break;
                case "sticky": s = s with { Sticky = Bool(e.Value, fp, ctx) }; break;
                case "smokeTest": s = s with { SmokeTest = ParseSmoke(e.Value, fp, ctx) }; break;
                case "steps": s = s with { Steps = ParseSteps(e.Value, fp, ctx) }; break;
                case "pause":
                    s = s with { Pause = e.Value is YScalar { Value: "manual" } ? null : Duration(e.Value, fp, ctx) ?? s.Pause };
                    break;
                case "gates": s = s with { Gates = ParseGates(e.Value, fp, ctx) }; break;
                case "parallelism": s = s with { Parallelism = (int)Number(e.Value, fp, ctx, 1, 1000) }; break;
                case "delay": s = s with { Delay = Duration(e.Value, fp, ctx) ?? s.Delay }; break;
                default: ctx.Error(e.Key, fp, "unknown field (expected type, keepOldFor, sticky, smokeTest, steps, pause, gates, parallelism, delay)"); break;
            }
        }

        return s;
    }

    private static RolloutStrategyKind ParseKindAt(YNode node, string? value, string path, ParseContext ctx)
    {
        if (ParseKind(value) is { } kind)
        {
            return kind;
        }

        ctx.Error(node, path, $"expected recreate, rolling, blue-green or canary, got {Quoted(value)}");
        return RolloutStrategyKind.Recreate;
    }

    private static SmokeTest? ParseSmoke(YNode node, string path, ParseContext ctx)
    {
        if (node is not YMap map)
        {
            ctx.Error(node, path, "expected a mapping with path, expectStatus, expectBody");
            return null;
        }

        var smoke = new SmokeTest("/");
        foreach (var e in map.Entries)
        {
            var fp = path + "." + e.Key.Value;
            switch (e.Key.Value)
            {
                case "path":
                    var value = Scalar(e.Value, fp, ctx) ?? "/";
                    if (!EdgeNames.IsHealthPath(value))
                    {
                        ctx.Error(e.Value, fp, $"expected an absolute URL path such as /version (letters, digits and -._~!*+,=:@&/?%), got {Quoted(value)}");
                    }

                    smoke = smoke with { Path = value };
                    break;
                case "expectStatus": smoke = smoke with { ExpectStatus = (int)Number(e.Value, fp, ctx, 100, 599) }; break;
                case "expectBody": smoke = smoke with { ExpectBody = Scalar(e.Value, fp, ctx) }; break;
                default: ctx.Error(e.Key, fp, "unknown field (expected path, expectStatus, expectBody)"); break;
            }
        }

        return smoke;
    }

    private static List<int> ParseSteps(YNode node, string path, ParseContext ctx)
    {
        if (node is not YSeq seq || seq.Items.Count == 0)
        {
            ctx.Error(node, path, "expected a list of percentages such as [10, 50, 100]");
            return [10, 50, 100];
        }

        if (seq.Items.Count > 100)
        {
            ctx.Error(node, path, "expected at most 100 steps");
            return [10, 50, 100];
        }

        var steps = seq.Items.Select((item, i) => (int)Number(item, YNodeExtensions.Index(path, i), ctx, 1, 100)).ToList();
        for (var i = 1; i < steps.Count; i++)
        {
            if (steps[i] <= steps[i - 1])
            {
                ctx.Error(seq.Items[i], YNodeExtensions.Index(path, i), $"steps must increase, got {steps[i]} after {steps[i - 1]}");
            }
        }

        if (steps[^1] != 100)
        {
            steps.Add(100);
        }

        return steps;
    }

    private static CanaryGates ParseGates(YNode node, string path, ParseContext ctx)
    {
        var gates = new CanaryGates();
        if (node is not YMap map)
        {
            ctx.Error(node, path, "expected a mapping with maxErrorRate, maxAvgResponseMs, minRequests");
            return gates;
        }

        foreach (var e in map.Entries)
        {
            var fp = path + "." + e.Key.Value;
            switch (e.Key.Value)
            {
                case "maxErrorRate": gates = gates with { MaxErrorRate = Number(e.Value, fp, ctx, 0, 1) }; break;
                case "maxAvgResponseMs": gates = gates with { MaxAvgResponseMs = (long)Number(e.Value, fp, ctx, 1, 600_000) }; break;
                case "minRequests": gates = gates with { MinRequests = (long)Number(e.Value, fp, ctx, 0, 1_000_000) }; break;
                default: ctx.Error(e.Key, fp, "unknown field (expected maxErrorRate, maxAvgResponseMs, minRequests)"); break;
            }
        }

        return gates;
    }

    /// <summary>Every value that reaches haproxy.cfg is checked here against the strict sets of <see cref="EdgeNames"/>
    /// (the renderer checks again and refuses): the entry's service must be a service of the stack.</summary>
    /// <param name="services">The stack's services; null when the project did not load (then the names are only checked).</param>
    private static List<EdgeEntrySpec> ParseEdge(YNode node, ParseContext ctx, HashSet<string>? services)
    {
        const string p = "x-tidegate.edge";
        var result = new List<EdgeEntrySpec>();
        if (node is not YMap map || map["entries"] is not YSeq entries)
        {
            ctx.Error(node, p, "expected a mapping with entries: [{ service, port, listen }]");
            return result;
        }

        foreach (var extra in map.Entries.Where(e => e.Key.Value != "entries"))
        {
            ctx.Error(extra.Key, $"{p}.{extra.Key.Value}", "unknown field (expected entries)");
        }

        var listens = new Dictionary<string, YNode>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Items.Count; i++)
        {
            var ep = YNodeExtensions.Index(p + ".entries", i);
            if (entries.Items[i] is not YMap em)
            {
                ctx.Error(entries.Items[i], ep, "expected a mapping with service, port, listen");
                continue;
            }

            string? service = null;
            string? listen = null;
            var port = 0;
            var health = "/health";
            var retryAfter = 30;
            int? maxconn = null;
            TimeSpan? serverTimeout = null;
            var valid = true;
            foreach (var e in em.Entries)
            {
                var fp = ep + "." + e.Key.Value;
                switch (e.Key.Value)
                {
                    case "service":
                        service = Scalar(e.Value, fp, ctx);
                        if (service is not null && !EdgeNames.IsService(service))
                        {
                            ctx.Error(e.Value, fp, $"expected a service name (letters, digits, '.', '-', '_', at most {EdgeNames.MaxNameLength}), got {Quoted(service)}");
                            valid = false;
                        }
                        else if (service is not null && services is not null && !services.Contains(service))
                        {
                            ctx.Error(e.Value, fp, $"service {Quoted(service)} is not a service of this stack");
                            valid = false;
                        }

                        break;
                    case "port": port = (int)Number(e.Value, fp, ctx, 1, 65535); break;
                    case "listen":
                        var text = Scalar(e.Value, fp, ctx);
                        listen = EdgeNames.NormalizeListen(text);
                        if (text is not null && listen is null)
                        {
                            ctx.Error(e.Value, fp, $"expected address:port such as 127.0.0.1:18080, 0.0.0.0:80 or [::]:80, or a port 1-65535, got {Quoted(text)}");
                            valid = false;
                        }
                        else if (listen is not null && listens.TryAdd(listen, e.Value) is false)
                        {
                            ctx.Error(e.Value, fp, $"listen address {listen} is used twice");
                        }

                        break;
                    case "healthPath":
                        health = Scalar(e.Value, fp, ctx) ?? health;
                        if (!EdgeNames.IsHealthPath(health))
                        {
                            ctx.Error(e.Value, fp, $"expected an absolute URL path such as /health (letters, digits and -._~!*+,=:@&/?%, at most {EdgeNames.MaxPathLength}), got {Quoted(health)}");
                            valid = false;
                        }

                        break;
                    case "retryAfter": retryAfter = (int)Number(e.Value, fp, ctx, 1, 86_400); break;
                    case "maxconn": maxconn = (int)Number(e.Value, fp, ctx, 1, 100_000); break;
                    case "serverTimeout":
                        serverTimeout = Duration(e.Value, fp, ctx);
                        if (serverTimeout is { } st && (st < TimeSpan.FromMilliseconds(100) || st > TimeSpan.FromHours(1)))
                        {
                            ctx.Error(e.Value, fp, $"expected a duration from 100ms to 1h, got {Quoted((e.Value as YScalar)?.Value)}");
                            serverTimeout = null;
                        }

                        break;
                    default: ctx.Error(e.Key, fp, "unknown field (expected service, port, listen, healthPath, retryAfter, maxconn, serverTimeout)"); break;
                }
            }

            if (service is null || port == 0 || listen is null)
            {
                if (valid)
                {
                    ctx.Error(em, ep, "service, port and listen are required");
                }

                continue;
            }

            if (valid)
            {
                result.Add(new EdgeEntrySpec(service, port, listen, health, retryAfter, maxconn, serverTimeout));
            }
        }

        if (listens.Keys.ToList() is { Count: > 1 } all)
        {
            foreach (var (a, b) in all.SelectMany((a, i) => all.Skip(i + 1).Select(b => (a, b))).Where(x => EdgeNames.SameSocket(x.a, x.b)))
            {
                ctx.Error(listens[b], p + ".entries", $"listen address {b} takes the port of {a}");
            }
        }

        return result;
    }

    private static string? Scalar(YNode node, string path, ParseContext ctx)
    {
        if (node is YScalar s && !s.IsNull)
        {
            return s.Value;
        }

        ctx.Error(node, path, $"expected a value, got {node.Describe()}");
        return null;
    }

    private static bool Bool(YNode node, string path, ParseContext ctx)
    {
        var value = Scalar(node, path, ctx);
        if (value is "true" or "false")
        {
            return value == "true";
        }

        ctx.Error(node, path, $"expected true or false, got {Quoted(value)}");
        return false;
    }

    private static double Number(YNode node, string path, ParseContext ctx, double min, double max)
    {
        var value = Scalar(node, path, ctx);
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        ctx.Error(node, path, $"expected a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got {Quoted(value)}");
        return min;
    }

    /// <summary>"30s", "5m", "1h", "500ms" or a number of seconds, at most <see cref="MaxDuration"/>.</summary>
    private static TimeSpan? Duration(YNode node, string path, ParseContext ctx)
    {
        var value = Scalar(node, path, ctx);
        if (value is null)
        {
            return null;
        }

        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 0.001)
            : value.EndsWith('s') ? (value[..^1], 1.0)
            : value.EndsWith('m') ? (value[..^1], 60.0)
            : value.EndsWith('h') ? (value[..^1], 3600.0)
            : (value, 1.0);
        if (double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n * unit <= MaxDuration.TotalSeconds)
        {
            return TimeSpan.FromSeconds(n * unit);
        }

        ctx.Error(node, path, $"expected a duration from 0 to 7 days such as 30s, 5m or 500ms, got {Quoted(value)}");
        return null;
    }

    /// <summary>A value quoted in a message with control characters made visible (a newline must not start a new line of the answer).</summary>
    private static string Quoted(string? value) => EdgeNames.Printable(value);
}

/// <summary>One x-tidegate.edge.entries item.</summary>
internal sealed record EdgeEntrySpec(string Service, int Port, string Listen, string HealthPath, int RetryAfterSeconds, int? MaxConnPerServer = null, TimeSpan? ServerTimeout = null);
