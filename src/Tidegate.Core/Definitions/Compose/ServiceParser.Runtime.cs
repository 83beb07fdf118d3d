using System.Globalization;
using Tidegate.Core.Definitions.Yaml;
using static Tidegate.Core.Definitions.Yaml.YNodeExtensions;

namespace Tidegate.Core.Definitions.Compose;

// Runtime limits and orchestration: ulimits, logging, secrets/configs, deploy.
internal static partial class ServiceParser
{
    private static SortedDictionary<string, Ulimit> ParseUlimits(YNode v, string p, ParseContext ctx)
    {
        var result = new SortedDictionary<string, Ulimit>(StringComparer.Ordinal);
        foreach (var e in ctx.Map(v, p)?.Entries ?? [])
        {
            var ep = Join(p, e.Key.Value);
            if (e.Value is YMap m)
            {
                long? soft = null, hard = null;
                foreach (var ue in m.Entries)
                {
                    var up = Join(ep, ue.Key.Value);
                    switch (ue.Key.Value)
                    {
                        case "soft": soft = ctx.Long(ue.Value, up); break;
                        case "hard": hard = ctx.Long(ue.Value, up); break;
                        default: ctx.Unknown(ue, ep); break;
                    }
                }

                if (soft is null || hard is null)
                {
                    ctx.Error(e.Value, ep, "expected both 'soft' and 'hard'");
                    continue;
                }

                result[e.Key.Value] = new Ulimit(soft.Value, hard.Value);
            }
            else if (ctx.Long(e.Value, ep) is { } single)
            {
                result[e.Key.Value] = new Ulimit(single, single);
            }
        }

        return result;
    }

    private static LoggingDefinition? ParseLogging(YNode v, string p, ParseContext ctx)
    {
        var map = ctx.Map(v, p);
        if (map is null)
        {
            return null;
        }

        string? driver = null;
        IReadOnlyDictionary<string, string> options = new Dictionary<string, string>();
        foreach (var e in map.Entries)
        {
            var ep = Join(p, e.Key.Value);
            switch (e.Key.Value)
            {
                case "driver": driver = ctx.Str(e.Value, ep); break;
                case "options": options = ctx.StringDictionary(e.Value, ep); break;
                default: ctx.Unknown(e, p); break;
            }
        }

        return new LoggingDefinition(driver, options);
    }

    private static List<ServiceFileReference> ParseFileReferences(YNode v, string p, ParseContext ctx)
    {
        var result = new List<ServiceFileReference>();
        if (v is not YSeq seq)
        {
            if (!v.IsNull())
            {
                ctx.Error(v, p, $"expected a list, got {v.Describe()}");
            }

            return result;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var item = seq.Items[i];
            var ip = Index(p, i);
            ctx.Remember(ip, item);
            if (item is YMap m)
            {
                string? source = null, target = null, uid = null, gid = null;
                int? mode = null;
                foreach (var e in m.Entries)
                {
                    var ep = Join(ip, e.Key.Value);
                    switch (e.Key.Value)
                    {
                        case "source": source = ctx.Str(e.Value, ep); break;
                        case "target": target = ctx.Str(e.Value, ep); break;
                        case "uid": uid = ctx.Str(e.Value, ep); break;
                        case "gid": gid = ctx.Str(e.Value, ep); break;
                        case "mode": mode = ParseMode(e.Value, ep, ctx); break;
                        default: ctx.Unknown(e, ip); break;
                    }
                }

                if (source is null)
                {
                    ctx.Error(item, ip, "expected 'source' (the name of a top-level entry)");
                    continue;
                }

                result.Add(new ServiceFileReference(source, target, uid, gid, mode));
            }
            else if (ctx.Str(item, ip) is { } name)
            {
                result.Add(new ServiceFileReference(name, null, null, null, null));
            }
        }

        return result;
    }

    private static DeployDefinition? ParseDeploy(YNode v, string p, ParseContext ctx)
    {
        var map = ctx.Map(v, p);
        if (map is null)
        {
            return null;
        }

        var d = new DeployDefinition();
        foreach (var e in map.Entries)
        {
            var ep = Join(p, e.Key.Value);
            switch (e.Key.Value)
            {
                case "mode": d = d with { Mode = ParseEnum(e.Value, ep, ctx, "replicated", "global", "replicated-job", "global-job") }; break;
                case "replicas": d = d with { Replicas = ctx.Int(e.Value, ep, 0, ParseContext.MaxReplicas, "a number of replicas") }; break;
                case "labels": d = d with { Labels = ctx.StringDictionary(e.Value, ep) }; break;
                case "resources":
                    foreach (var r in ctx.Map(e.Value, ep)?.Entries ?? [])
                    {
                        var rp = Join(ep, r.Key.Value);
                        switch (r.Key.Value)
                        {
                            case "limits": d = d with { Limits = ParseResources(r.Value, rp, ctx) }; break;
                            case "reservations": d = d with { Reservations = ParseResources(r.Value, rp, ctx) }; break;
                            default: ctx.Unknown(r, ep); break;
                        }
                    }

                    break;
                case "update_config": d = d with { UpdateConfig = ParseUpdatePolicy(e.Value, ep, ctx) }; break;
                case "rollback_config": d = d with { RollbackConfig = ParseUpdatePolicy(e.Value, ep, ctx) }; break;
                case "restart_policy":
                    var rpMap = ctx.Map(e.Value, ep);
                    if (rpMap is null)
                    {
                        break;
                    }

                    var policy = new RestartPolicy(null, null, null, null);
                    foreach (var r in rpMap.Entries)
                    {
                        var rp = Join(ep, r.Key.Value);
                        policy = r.Key.Value switch
                        {
                            "condition" => policy with { Condition = ParseEnum(r.Value, rp, ctx, "none", "on-failure", "any") },
                            "delay" => policy with { Delay = ctx.Duration(r.Value, rp) },
                            "max_attempts" => policy with { MaxAttempts = ctx.Int(r.Value, rp, 0) },
                            "window" => policy with { Window = ctx.Duration(r.Value, rp) },
                            _ => WarnPolicy(policy, r, ep, ctx),
                        };
                    }

                    d = d with { RestartPolicy = policy };
                    break;
                case "placement":
                    var pm = ctx.Map(e.Value, ep);
                    if (pm?["constraints"] is { } cn)
                    {
                        d = d with { PlacementConstraints = ctx.Strings(cn, Join(ep, "constraints")) };
                    }

                    foreach (var pe in pm?.Entries.Where(x => x.Key.Value != "constraints") ?? [])
                    {
                        ctx.Unknown(pe, ep, new HashSet<string> { "preferences", "max_replicas_per_node" });
                    }

                    break;
                default:
                    ctx.Unknown(e, p, new HashSet<string> { "endpoint_mode" });
                    break;
            }
        }

        return d;
    }

    private static RestartPolicy WarnPolicy(RestartPolicy policy, YEntry e, string path, ParseContext ctx)
    {
        ctx.Unknown(e, path);
        return policy;
    }

    private static ResourceSpec? ParseResources(YNode v, string p, ParseContext ctx)
    {
        var map = ctx.Map(v, p);
        if (map is null)
        {
            return null;
        }

        var r = new ResourceSpec(null, null, null);
        foreach (var e in map.Entries)
        {
            var ep = Join(p, e.Key.Value);
            switch (e.Key.Value)
            {
                case "cpus": r = r with { Cpus = ctx.Decimal(e.Value, ep, 0, ParseContext.MaxCpus) }; break;
                case "memory": r = r with { Memory = ctx.Bytes(e.Value, ep) }; break;
                case "pids": r = r with { Pids = ctx.Long(e.Value, ep) }; break;
                default: ctx.Unknown(e, p, new HashSet<string> { "devices", "generic_resources" }); break;
            }
        }

        return r;
    }

    private static UpdatePolicy? ParseUpdatePolicy(YNode v, string p, ParseContext ctx)
    {
        var map = ctx.Map(v, p);
        if (map is null)
        {
            return null;
        }

        var u = new UpdatePolicy(null, null, null, null, null, null);
        foreach (var e in map.Entries)
        {
            var ep = Join(p, e.Key.Value);
            switch (e.Key.Value)
            {
                case "parallelism": u = u with { Parallelism = ctx.Int(e.Value, ep, 0) }; break;
                case "delay": u = u with { Delay = ctx.Duration(e.Value, ep) }; break;
                case "failure_action": u = u with { FailureAction = ParseEnum(e.Value, ep, ctx, "continue", "pause", "rollback") }; break;
                case "monitor": u = u with { Monitor = ctx.Duration(e.Value, ep) }; break;
                case "max_failure_ratio": u = u with { MaxFailureRatio = ctx.Decimal(e.Value, ep, 0, 1) }; break;
                case "order": u = u with { Order = ParseEnum(e.Value, ep, ctx, "stop-first", "start-first") }; break;
                default: ctx.Unknown(e, p); break;
            }
        }

        return u;
    }
}
