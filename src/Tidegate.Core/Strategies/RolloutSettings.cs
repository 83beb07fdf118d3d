using System.Globalization;
using System.Net;
using Tidegate.Core.Definitions.Variables;
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

    public IReadOnlyList<EdgeEntry> EdgeEntries(string deployment) =>
        Entries.Select(e => new EdgeEntry(deployment, e.Service, e.Port, e.Listen, e.HealthPath, e.RetryAfterSeconds, Sticky, e.MaxConnPerServer,
            e.ServerTimeout is { } t ? (int)t.TotalMilliseconds : null)).ToList();

    /// <summary>Reads both sections; errors name the field ("x-tidegate.strategy.steps[1]: ...").</summary>
    public static (RolloutSettings Settings, IReadOnlyList<string> Errors) From(TidegateExtension extension)
    {
        ArgumentNullException.ThrowIfNull(extension);
        var errors = new List<string>();
        var settings = new RolloutSettings();
        if (extension.Section("strategy") is { } strategy && !strategy.IsNull())
        {
            settings = ParseStrategy(strategy, settings, errors);
        }

        if (extension.Section("edge") is { } edge && !edge.IsNull())
        {
            settings = settings with { Entries = ParseEdge(edge, errors) };
        }

        return (settings, errors);
    }

    private static RolloutSettings ParseStrategy(YNode node, RolloutSettings s, List<string> errors)
    {
        const string p = "x-tidegate.strategy";
        if (node is YScalar scalar)
        {
            return s with { Kind = ParseKindAt(scalar.Value, p, errors) };
        }

        if (node is not YMap map)
        {
            errors.Add($"{p}: expected a strategy name or a mapping, got {node.Describe()}");
            return s;
        }

        foreach (var e in map.Entries)
        {
            var fp = p + "." + e.Key.Value;
            switch (e.Key.Value)
            {
                case "type": s = s with { Kind = ParseKindAt(Scalar(e.Value, fp, errors), fp, errors) }; break;
                case "keepOldFor": s = s with { KeepOldFor = Duration(e.Value, fp, errors) ?? s.KeepOldFor }; break;
                case "sticky": s = s with { Sticky = Bool(e.Value, fp, errors) }; break;
                case "smokeTest": s = s with { SmokeTest = ParseSmoke(e.Value, fp, errors) }; break;
                case "steps": s = s with { Steps = ParseSteps(e.Value, fp, errors) }; break;
                case "pause":
                    s = s with { Pause = Scalar(e.Value, fp, errors) == "manual" ? null : Duration(e.Value, fp, errors) ?? s.Pause };
                    break;
                case "gates": s = s with { Gates = ParseGates(e.Value, fp, errors) }; break;
                case "parallelism": s = s with { Parallelism = (int)Number(e.Value, fp, errors, 1, 1000) }; break;
                case "delay": s = s with { Delay = Duration(e.Value, fp, errors) ?? s.Delay }; break;
                default: errors.Add($"{fp}: unknown field (expected type, keepOldFor, sticky, smokeTest, steps, pause, gates, parallelism, delay)"); break;
            }
        }

        return s;
    }

    private static RolloutStrategyKind ParseKindAt(string? value, string path, List<string> errors)
    {
        if (ParseKind(value) is { } kind)
        {
            return kind;
        }

        errors.Add($"{path}: expected recreate, rolling, blue-green or canary, got '{value}'");
        return RolloutStrategyKind.Recreate;
    }

    private static SmokeTest? ParseSmoke(YNode node, string path, List<string> errors)
    {
        if (node is not YMap map)
        {
            errors.Add($"{path}: expected a mapping with path, expectStatus, expectBody");
            return null;
        }

        var smoke = new SmokeTest("/");
        foreach (var e in map.Entries)
        {
            var fp = path + "." + e.Key.Value;
            switch (e.Key.Value)
            {
                case "path":
                    var value = Scalar(e.Value, fp, errors) ?? "/";
                    if (!value.StartsWith('/'))
                    {
                        errors.Add($"{fp}: expected a path starting with '/', got '{value}'");
                    }

                    smoke = smoke with { Path = value };
                    break;
                case "expectStatus": smoke = smoke with { ExpectStatus = (int)Number(e.Value, fp, errors, 100, 599) }; break;
                case "expectBody": smoke = smoke with { ExpectBody = Scalar(e.Value, fp, errors) }; break;
                default: errors.Add($"{fp}: unknown field (expected path, expectStatus, expectBody)"); break;
            }
        }

        return smoke;
    }

    private static List<int> ParseSteps(YNode node, string path, List<string> errors)
    {
        if (node is not YSeq seq || seq.Items.Count == 0)
        {
            errors.Add($"{path}: expected a list of percentages such as [10, 50, 100]");
            return [10, 50, 100];
        }

        var steps = seq.Items.Select((item, i) => (int)Number(item, YNodeExtensions.Index(path, i), errors, 1, 100)).ToList();
        for (var i = 1; i < steps.Count; i++)
        {
            if (steps[i] <= steps[i - 1])
            {
                errors.Add($"{YNodeExtensions.Index(path, i)}: steps must increase, got {steps[i]} after {steps[i - 1]}");
            }
        }

        if (steps[^1] != 100)
        {
            steps.Add(100);
        }

        return steps;
    }

    private static CanaryGates ParseGates(YNode node, string path, List<string> errors)
    {
        var gates = new CanaryGates();
        if (node is not YMap map)
        {
            errors.Add($"{path}: expected a mapping with maxErrorRate, maxAvgResponseMs, minRequests");
            return gates;
        }

        foreach (var e in map.Entries)
        {
            var fp = path + "." + e.Key.Value;
            switch (e.Key.Value)
            {
                case "maxErrorRate": gates = gates with { MaxErrorRate = Number(e.Value, fp, errors, 0, 1) }; break;
                case "maxAvgResponseMs": gates = gates with { MaxAvgResponseMs = (long)Number(e.Value, fp, errors, 1, 600_000) }; break;
                case "minRequests": gates = gates with { MinRequests = (long)Number(e.Value, fp, errors, 0, 1_000_000) }; break;
                default: errors.Add($"{fp}: unknown field (expected maxErrorRate, maxAvgResponseMs, minRequests)"); break;
            }
        }

        return gates;
    }

    private static List<EdgeEntrySpec> ParseEdge(YNode node, List<string> errors)
    {
        const string p = "x-tidegate.edge";
        var result = new List<EdgeEntrySpec>();
        if (node is not YMap map || map["entries"] is not YSeq entries)
        {
            errors.Add($"{p}: expected a mapping with entries: [{{ service, port, listen }}]");
            return result;
        }

        foreach (var extra in map.Entries.Where(e => e.Key.Value != "entries"))
        {
            errors.Add($"{p}.{extra.Key.Value}: unknown field (expected entries)");
        }

        for (var i = 0; i < entries.Items.Count; i++)
        {
            var ep = YNodeExtensions.Index(p + ".entries", i);
            if (entries.Items[i] is not YMap em)
            {
                errors.Add($"{ep}: expected a mapping with service, port, listen");
                continue;
            }

            string? service = null;
            string? listen = null;
            var port = 0;
            var health = "/health";
            var retryAfter = 30;
            int? maxconn = null;
            TimeSpan? serverTimeout = null;
            foreach (var e in em.Entries)
            {
                var fp = ep + "." + e.Key.Value;
                switch (e.Key.Value)
                {
                    case "service": service = Scalar(e.Value, fp, errors); break;
                    case "port": port = (int)Number(e.Value, fp, errors, 1, 65535); break;
                    case "listen":
                        listen = Scalar(e.Value, fp, errors);
                        if (listen is not null && (!IPEndPoint.TryParse(listen, out var endpoint) || endpoint.Port == 0))
                        {
                            errors.Add($"{fp}: expected address:port such as 127.0.0.1:18080 or 0.0.0.0:80, got '{listen}'");
                        }

                        break;
                    case "healthPath":
                        health = Scalar(e.Value, fp, errors) ?? health;
                        if (!health.StartsWith('/') || health.Any(char.IsWhiteSpace))
                        {
                            errors.Add($"{fp}: expected a path starting with '/' without spaces, got '{health}'");
                        }

                        break;
                    case "retryAfter": retryAfter = (int)Number(e.Value, fp, errors, 1, 86_400); break;
                    case "maxconn": maxconn = (int)Number(e.Value, fp, errors, 1, 100_000); break;
                    case "serverTimeout":
                        serverTimeout = Duration(e.Value, fp, errors);
                        if (serverTimeout is { } st && (st < TimeSpan.FromMilliseconds(100) || st > TimeSpan.FromHours(1)))
                        {
                            errors.Add($"{fp}: expected a duration from 100ms to 1h, got '{(e.Value as YScalar)?.Value}'");
                            serverTimeout = null;
                        }

                        break;
                    default: errors.Add($"{fp}: unknown field (expected service, port, listen, healthPath, retryAfter, maxconn, serverTimeout)"); break;
                }
            }

            if (service is null || port == 0 || listen is null)
            {
                errors.Add($"{ep}: service, port and listen are required");
                continue;
            }

            result.Add(new EdgeEntrySpec(service, port, listen, health, retryAfter, maxconn, serverTimeout));
        }

        foreach (var dup in result.GroupBy(r => r.Listen).Where(g => g.Count() > 1))
        {
            errors.Add($"{p}.entries: listen address {dup.Key} is used twice");
        }

        return result;
    }

    private static string? Scalar(YNode node, string path, List<string> errors)
    {
        if (node is YScalar s && !s.IsNull)
        {
            return s.Value;
        }

        errors.Add($"{path}: expected a value, got {node.Describe()}");
        return null;
    }

    private static bool Bool(YNode node, string path, List<string> errors)
    {
        var value = Scalar(node, path, errors);
        if (value is "true" or "false")
        {
            return value == "true";
        }

        errors.Add($"{path}: expected true or false, got '{value}'");
        return false;
    }

    private static double Number(YNode node, string path, List<string> errors, double min, double max)
    {
        var value = Scalar(node, path, errors);
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        errors.Add($"{path}: expected a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got '{value}'");
        return min;
    }

    /// <summary>"30s", "5m", "1h", "500ms" or a number of seconds.</summary>
    internal static TimeSpan? Duration(YNode node, string path, List<string> errors)
    {
        var value = Scalar(node, path, errors);
        if (value is null)
        {
            return null;
        }

        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 0.001)
            : value.EndsWith('s') ? (value[..^1], 1.0)
            : value.EndsWith('m') ? (value[..^1], 60.0)
            : value.EndsWith('h') ? (value[..^1], 3600.0)
            : (value, 1.0);
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            // Bounded like every duration of a stack file: TimeSpan.FromSeconds would overflow, timers reject > ~49 days.
            if (n * unit <= Definitions.Compose.ParseContext.MaxDuration.TotalSeconds)
            {
                return TimeSpan.FromSeconds(n * unit);
            }

            errors.Add($"{path}: expected a duration of at most 24h, got '{value}'");
            return null;
        }

        errors.Add($"{path}: expected a duration such as 30s, 5m or 500ms, got '{value}'");
        return null;
    }
}

/// <summary>One x-tidegate.edge.entries item.</summary>
internal sealed record EdgeEntrySpec(string Service, int Port, string Listen, string HealthPath, int RetryAfterSeconds, int? MaxConnPerServer = null, TimeSpan? ServerTimeout = null);
