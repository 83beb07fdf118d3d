using System.Globalization;
using Tidegate.Core.Definitions.Yaml;
using static Tidegate.Core.Definitions.Yaml.YNodeExtensions;

namespace Tidegate.Core.Definitions.Compose;

/// <summary>Reads one entry of <c>services</c> into a <see cref="ServiceDefinition"/>.</summary>
internal static partial class ServiceParser
{
    // Compose fields we know but do not act on; named in the warning so users know why.
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "annotations", "attach", "blkio_config", "cpu_count", "cpu_percent", "cpu_shares", "cpu_period", "cpu_quota",
        "cpu_rt_runtime", "cpu_rt_period", "cpuset", "cgroup", "cgroup_parent", "credential_spec", "develop",
        "device_cgroup_rules", "dns_opt", "external_links", "gpus", "group_add", "ipc", "isolation", "label_file",
        "links", "mac_address", "mem_swappiness", "memswap_limit", "models", "oom_kill_disable", "oom_score_adj",
        "pid", "post_start", "pre_start", "pre_stop", "provider", "runtime", "storage_opt", "use_api_socket",
        "userns_mode", "uts", "volumes_from", "extends",
    };

    public static ServiceDefinition? Parse(string name, YNode node, ParseContext ctx)
    {
        var path = "services." + name;
        ctx.Remember(path, node);
        if (node is not YMap map)
        {
            ctx.Error(node, path, $"expected a service mapping, got {node.Describe()}");
            return null;
        }

        var s = new ServiceDefinition { Name = name };
        foreach (var entry in map.Entries)
        {
            var key = entry.Key.Value;
            var v = entry.Value;
            var p = Join(path, key);
            ctx.Remember(p, v);
            switch (key)
            {
                case "image": s = s with { Image = ctx.Str(v, p) }; break;
                case "build": s = s with { Build = ParseBuild(v, p, ctx) }; break;
                case "command": s = s with { Command = ParseCommand(v, p, ctx) }; break;
                case "entrypoint": s = s with { Entrypoint = ParseCommand(v, p, ctx) }; break;
                case "environment": s = s with { Environment = ctx.Dictionary(v, p) }; break;
                case "env_file": s = s with { EnvFiles = ParseEnvFiles(v, p, ctx) }; break;
                case "ports": s = s with { Ports = ParsePorts(v, p, ctx) }; break;
                case "expose": s = s with { Expose = ctx.Strings(v, p) }; break;
                case "volumes": s = s with { Volumes = ParseVolumes(v, p, ctx) }; break;
                case "networks": s = s with { Networks = ParseNetworks(v, p, ctx) }; break;
                case "network_mode": s = s with { NetworkMode = ctx.Str(v, p) }; break;
                case "depends_on": s = s with { DependsOn = ParseDependsOn(v, p, ctx) }; break;
                case "healthcheck": s = s with { HealthCheck = ParseHealthCheck(v, p, ctx) }; break;
                case "restart": s = s with { Restart = ParseRestart(v, p, ctx) }; break;
                case "labels": s = s with { Labels = ctx.StringDictionary(v, p) }; break;
                case "user": s = s with { User = ctx.Str(v, p) }; break;
                case "working_dir": s = s with { WorkingDir = ctx.Str(v, p) }; break;
                case "container_name": s = s with { ContainerName = ctx.Str(v, p) }; break;
                case "hostname": s = s with { Hostname = ctx.Str(v, p) }; break;
                case "domainname": s = s with { Domainname = ctx.Str(v, p) }; break;
                case "extra_hosts": s = s with { ExtraHosts = ParseExtraHosts(v, p, ctx) }; break;
                case "dns": s = s with { Dns = ctx.Strings(v, p, allowSingle: true) }; break;
                case "dns_search": s = s with { DnsSearch = ctx.Strings(v, p, allowSingle: true) }; break;
                case "cap_add": s = s with { CapAdd = ctx.Strings(v, p) }; break;
                case "cap_drop": s = s with { CapDrop = ctx.Strings(v, p) }; break;
                case "security_opt": s = s with { SecurityOpt = ctx.Strings(v, p) }; break;
                case "devices": s = s with { Devices = ParseDevices(v, p, ctx) }; break;
                case "privileged": s = s with { Privileged = ctx.Bool(v, p) }; break;
                case "init": s = s with { Init = ctx.Bool(v, p) }; break;
                case "read_only": s = s with { ReadOnly = ctx.Bool(v, p) }; break;
                case "tty": s = s with { Tty = ctx.Bool(v, p) }; break;
                case "stdin_open": s = s with { StdinOpen = ctx.Bool(v, p) }; break;
                case "stop_signal": s = s with { StopSignal = ctx.Str(v, p) }; break;
                case "stop_grace_period": s = s with { StopGracePeriod = ctx.Duration(v, p) }; break;
                case "deploy": s = s with { Deploy = ParseDeploy(v, p, ctx) }; break;
                case "logging": s = s with { Logging = ParseLogging(v, p, ctx) }; break;
                case "ulimits": s = s with { Ulimits = ParseUlimits(v, p, ctx) }; break;
                case "sysctls": s = s with { Sysctls = ctx.StringDictionary(v, p) }; break;
                case "tmpfs": s = s with { Tmpfs = ctx.Strings(v, p, allowSingle: true) }; break;
                case "shm_size": s = s with { ShmSize = ctx.Bytes(v, p) }; break;
                case "mem_limit": s = s with { MemLimit = ctx.Bytes(v, p) }; break;
                case "mem_reservation": s = s with { MemReservation = ctx.Bytes(v, p) }; break;
                case "cpus": s = s with { Cpus = ctx.Decimal(v, p, 0, ParseContext.MaxCpus) }; break;
                case "pids_limit": s = s with { PidsLimit = ctx.Long(v, p) }; break;
                case "secrets": s = s with { Secrets = ParseFileReferences(v, p, ctx) }; break;
                case "configs": s = s with { Configs = ParseFileReferences(v, p, ctx) }; break;
                case "profiles": s = s with { Profiles = ctx.Strings(v, p) }; break;
                case "pull_policy": s = s with { PullPolicy = ParseEnum(v, p, ctx, "always", "never", "missing", "build", "if_not_present", "daily", "weekly") }; break;
                case "platform": s = s with { Platform = ParsePlatform(v, p, ctx) }; break;
                case "scale": s = s with { Scale = ctx.Int(v, p, 0, ParseContext.MaxReplicas, "a number of replicas") }; break;
                default:
                    if (key.StartsWith("x-", StringComparison.Ordinal))
                    {
                        s = s with { Extensions = new Dictionary<string, YNode>(s.Extensions) { [key] = v } };
                    }
                    else
                    {
                        ctx.Unknown(entry, path, Unsupported);
                    }

                    break;
            }
        }

        return s;
    }

    private static List<string> ParseDevices(YNode v, string p, ParseContext ctx)
    {
        var devices = ctx.Strings(v, p);
        if (v is YSeq seq)
        {
            for (var i = 0; i < seq.Items.Count; i++)
            {
                if (seq.Items[i] is YScalar { IsNull: false } item && ValueParsers.ParseDevice(item.Value, out var error) is null)
                {
                    ctx.Error(item, Index(p, i), error!);
                }
            }
        }

        return devices;
    }

    private static string? ParsePlatform(YNode v, string p, ParseContext ctx)
    {
        var value = ctx.Str(v, p);
        if (value is not null && !ValueParsers.IsPlatform(value))
        {
            ctx.Error(v, p, $"expected a platform os[/arch[/variant]] such as linux/amd64 or linux/arm64/v8, got '{value}'");
        }

        return value;
    }

    private static string? ParseEnum(YNode v, string p, ParseContext ctx, params string[] allowed)
    {
        var value = ctx.Str(v, p);
        if (value is not null && !allowed.Contains(value) && !(allowed.Contains("daily") && value.StartsWith("every_", StringComparison.Ordinal)))
        {
            ctx.Error(v, p, $"expected one of {string.Join(", ", allowed)}, got '{value}'");
            return null;
        }

        return value;
    }

    private static string? ParseRestart(YNode v, string p, ParseContext ctx)
    {
        var value = ctx.Str(v, p);
        if (value is null || value is "no" or "always" or "unless-stopped" or "on-failure")
        {
            return value;
        }

        var parts = value.Split(':');
        if (parts.Length == 2 && parts[0] == "on-failure" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return value;
        }

        ctx.Error(v, p, $"expected no, always, on-failure[:max-retries] or unless-stopped, got '{value}'");
        return null;
    }

    private static BuildDefinition? ParseBuild(YNode v, string p, ParseContext ctx)
    {
        if (v is YScalar s && !s.IsNull)
        {
            return new BuildDefinition(ctx.RebasePath(v, s.Value), null, null, new Dictionary<string, string?>());
        }

        var map = ctx.Map(v, p);
        if (map is null)
        {
            return null;
        }

        string? context = null, dockerfile = null, target = null;
        IReadOnlyDictionary<string, string?> args = new Dictionary<string, string?>();
        foreach (var e in map.Entries)
        {
            var ep = Join(p, e.Key.Value);
            switch (e.Key.Value)
            {
                case "context": context = ctx.Str(e.Value, ep) is { } c ? ctx.RebasePath(e.Value, c) : null; break;
                case "dockerfile": dockerfile = ctx.Str(e.Value, ep); break;
                case "target": target = ctx.Str(e.Value, ep); break;
                case "args": args = ctx.Dictionary(e.Value, ep); break;
                default:
                    ctx.Warning(e.Key, p, $"build option '{e.Key.Value}' is ignored: Tidegate does not build images");
                    break;
            }
        }

        return new BuildDefinition(context, dockerfile, target, args);
    }

    public static IReadOnlyList<string>? ParseCommand(YNode v, string p, ParseContext ctx)
    {
        if (v is YScalar s)
        {
            if (s.IsNull)
            {
                return null;
            }

            var words = ValueParsers.SplitShellWords(s.Value, out var error);
            if (error is not null)
            {
                ctx.Error(v, p, error);
            }

            return words;
        }

        return ctx.Strings(v, p);
    }

    private static List<EnvFileReference> ParseEnvFiles(YNode v, string p, ParseContext ctx)
    {
        var result = new List<EnvFileReference>();
        if (v is YScalar { IsNull: false } single)
        {
            result.Add(new EnvFileReference(ctx.RebasePath(v, single.Value), true));
            return result;
        }

        if (v is not YSeq seq)
        {
            if (!v.IsNull())
            {
                ctx.Error(v, p, $"expected a path or a list of paths, got {v.Describe()}");
            }

            return result;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var item = seq.Items[i];
            var ip = Index(p, i);
            if (item is YMap m)
            {
                var path = m["path"] is { } pn ? ctx.Str(pn, Join(ip, "path")) : null;
                var required = m["required"] is { } rn ? ctx.Bool(rn, Join(ip, "required")) ?? true : true;
                if (path is null)
                {
                    ctx.Error(item, ip, "expected 'path' in the env_file entry");
                    continue;
                }

                result.Add(new EnvFileReference(ctx.RebasePath(item, path), required));
            }
            else if (ctx.Str(item, ip) is { } text)
            {
                result.Add(new EnvFileReference(ctx.RebasePath(item, text), true));
            }
        }

        return result;
    }

    private static SortedDictionary<string, ServiceNetwork?> ParseNetworks(YNode v, string p, ParseContext ctx)
    {
        var result = new SortedDictionary<string, ServiceNetwork?>(StringComparer.Ordinal);
        switch (v)
        {
            case YSeq seq:
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    var name = ctx.Str(seq.Items[i], Index(p, i));
                    if (name is not null)
                    {
                        result[name] = null;
                        ctx.Remember(Join(p, name), seq.Items[i]);
                    }
                }

                break;
            case YMap map:
                foreach (var e in map.Entries)
                {
                    var ep = Join(p, e.Key.Value);
                    ctx.Remember(ep, e.Key);
                    if (e.Value.IsNull())
                    {
                        result[e.Key.Value] = null;
                        continue;
                    }

                    var nm = ctx.Map(e.Value, ep);
                    if (nm is null)
                    {
                        continue;
                    }

                    IReadOnlyList<string> aliases = [];
                    string? ipv4 = null, ipv6 = null;
                    int? priority = null;
                    foreach (var ne in nm.Entries)
                    {
                        var np = Join(ep, ne.Key.Value);
                        switch (ne.Key.Value)
                        {
                            case "aliases": aliases = ctx.Strings(ne.Value, np); break;
                            case "ipv4_address":
                                ipv4 = ctx.Str(ne.Value, np);
                                if (ipv4 is not null && !(System.Net.IPAddress.TryParse(ipv4, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
                                {
                                    ctx.Error(ne.Value, np, $"expected an IPv4 address, got '{ipv4}'");
                                }

                                break;
                            case "ipv6_address": ipv6 = ctx.Str(ne.Value, np); break;
                            case "priority" or "gw_priority": priority = ctx.Int(ne.Value, np); break;
                            default: ctx.Unknown(ne, ep); break;
                        }
                    }

                    result[e.Key.Value] = new ServiceNetwork(aliases, ipv4, ipv6, priority);
                }

                break;
            default:
                if (!v.IsNull())
                {
                    ctx.Error(v, p, $"expected a list of network names or a mapping, got {v.Describe()}");
                }

                break;
        }

        return result;
    }

    public static SortedDictionary<string, ServiceDependency> ParseDependsOn(YNode v, string p, ParseContext ctx)
    {
        var result = new SortedDictionary<string, ServiceDependency>(StringComparer.Ordinal);
        switch (v)
        {
            case YSeq seq:
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    var name = ctx.Str(seq.Items[i], Index(p, i));
                    if (name is not null)
                    {
                        result[name] = new ServiceDependency(DependencyCondition.ServiceStarted, false, true);
                        ctx.Remember(Join(p, name), seq.Items[i]);
                    }
                }

                break;
            case YMap map:
                foreach (var e in map.Entries)
                {
                    var ep = Join(p, e.Key.Value);
                    ctx.Remember(ep, e.Key);
                    var dep = new ServiceDependency(DependencyCondition.ServiceStarted, false, true);
                    foreach (var de in ctx.Map(e.Value, ep)?.Entries ?? [])
                    {
                        var dp = Join(ep, de.Key.Value);
                        switch (de.Key.Value)
                        {
                            case "condition":
                                var c = ParseEnum(de.Value, dp, ctx, "service_started", "service_healthy", "service_completed_successfully");
                                dep = dep with
                                {
                                    Condition = c switch
                                    {
                                        "service_healthy" => DependencyCondition.ServiceHealthy,
                                        "service_completed_successfully" => DependencyCondition.ServiceCompletedSuccessfully,
                                        _ => DependencyCondition.ServiceStarted,
                                    },
                                };
                                break;
                            case "restart": dep = dep with { Restart = ctx.Bool(de.Value, dp) ?? false }; break;
                            case "required": dep = dep with { Required = ctx.Bool(de.Value, dp) ?? true }; break;
                            default: ctx.Unknown(de, ep); break;
                        }
                    }

                    result[e.Key.Value] = dep;
                }

                break;
            default:
                if (!v.IsNull())
                {
                    ctx.Error(v, p, $"expected a list of service names or a mapping, got {v.Describe()}");
                }

                break;
        }

        return result;
    }

    public static HealthCheck? ParseHealthCheck(YNode v, string p, ParseContext ctx)
    {
        var map = ctx.Map(v, p);
        if (map is null)
        {
            return null;
        }

        var hc = new HealthCheck(null, null, null, null, null, null, false);
        foreach (var e in map.Entries)
        {
            var ep = Join(p, e.Key.Value);
            switch (e.Key.Value)
            {
                case "test": hc = hc with { Test = ParseHealthTest(e.Value, ep, ctx) }; break;
                case "interval": hc = hc with { Interval = ctx.Duration(e.Value, ep) }; break;
                case "timeout": hc = hc with { Timeout = ctx.Duration(e.Value, ep) }; break;
                case "start_period": hc = hc with { StartPeriod = ctx.Duration(e.Value, ep) }; break;
                case "start_interval": hc = hc with { StartInterval = ctx.Duration(e.Value, ep) }; break;
                case "retries": hc = hc with { Retries = ctx.Int(e.Value, ep, 0) }; break;
                case "disable": hc = hc with { Disable = ctx.Bool(e.Value, ep) ?? false }; break;
                default: ctx.Unknown(e, p); break;
            }
        }

        if (hc.Test is ["NONE"])
        {
            hc = hc with { Disable = true };
        }

        return hc;
    }

    private static List<string>? ParseHealthTest(YNode v, string p, ParseContext ctx)
    {
        if (v is YScalar s)
        {
            return s.IsNull ? null : ["CMD-SHELL", s.Value];
        }

        var list = ctx.Strings(v, p);
        if (list.Count == 0)
        {
            return null;
        }

        if (list[0] is not ("CMD" or "CMD-SHELL" or "NONE"))
        {
            ctx.Error(v is YSeq q ? q.Items[0] : v, Index(p, 0), $"expected the test to start with CMD, CMD-SHELL or NONE, got '{list[0]}'");
            return null;
        }

        if (list[0] == "CMD-SHELL" && list.Count != 2)
        {
            ctx.Error(v, p, $"expected exactly one command string after CMD-SHELL, got {list.Count - 1}");
        }

        return list;
    }

    private static List<ExtraHost> ParseExtraHosts(YNode v, string p, ParseContext ctx)
    {
        var result = new List<ExtraHost>();
        if (v is YMap map)
        {
            foreach (var e in map.Entries)
            {
                var ep = Join(p, e.Key.Value);
                if (e.Value is YSeq addrs)
                {
                    result.AddRange(ctx.Strings(addrs, ep).Select(a => new ExtraHost(e.Key.Value, a)));
                }
                else if (ctx.Str(e.Value, ep) is { } addr)
                {
                    // Merged HOST:[IPv6] list items arrive here as mapping values.
                    result.Add(new ExtraHost(e.Key.Value, addr.StartsWith('[') && addr.EndsWith(']') ? addr[1..^1] : addr));
                }
            }

            return result;
        }

        var list = ctx.Strings(v, p);
        for (var i = 0; i < list.Count; i++)
        {
            var item = list[i];
            var idx = item.IndexOf('=', StringComparison.Ordinal);
            if (idx < 0)
            {
                idx = item.IndexOf(':', StringComparison.Ordinal);
            }

            if (idx <= 0 || idx == item.Length - 1)
            {
                ctx.Error(v is YSeq seq ? seq.Items[i] : v, Index(p, i), $"expected HOST=IP or HOST:IP, got '{item}'");
                continue;
            }

            var address = item[(idx + 1)..];
            if (address.StartsWith('[') && address.EndsWith(']'))
            {
                address = address[1..^1];
            }

            result.Add(new ExtraHost(item[..idx], address));
        }

        return result;
    }
}
