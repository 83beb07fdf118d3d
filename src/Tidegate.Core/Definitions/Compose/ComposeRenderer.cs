using Tidegate.Core.Definitions.Interpolation;
using Tidegate.Core.Definitions.Yaml;
using Map = System.Collections.Generic.List<System.Collections.Generic.KeyValuePair<string, object?>>;

namespace Tidegate.Core.Definitions.Compose;

internal sealed record RenderOptions
{
    public static readonly RenderOptions Default = new();

    /// <summary>Show secret-typed variable values instead of the mask.</summary>
    public bool RevealSecrets { get; init; }

    /// <summary>Keep top-level <c>x-*</c> sections (including <c>x-tidegate</c>) in the output.</summary>
    public bool IncludeExtensions { get; init; } = true;
}

/// <summary>Renders a typed project as canonical YAML, like <c>docker compose config</c>: long forms,
/// sorted keys, <c>$</c> escaped so the output loads back to the same project.</summary>
internal static class ComposeRenderer
{
    public const string Mask = "********";

    public static string Render(ComposeProject project, RenderOptions? options = null, YNode? tidegate = null)
        => YamlWriter.Write(ToPlain(project, options ?? RenderOptions.Default, tidegate));

    public static Map ToPlain(ComposeProject project, RenderOptions options, YNode? tidegate = null)
    {
        var root = new Map();
        Add(root, "name", Esc(project.Name));
        root.Add(new("services", Sorted(project.Services.ToDictionary(s => s.Name, s => (object?)Service(s)))));
        AddMap(root, "networks", project.Networks.ToDictionary(n => n.Key, n => (object?)Network(n)));
        AddMap(root, "volumes", project.Volumes.ToDictionary(n => n.Key, n => (object?)Volume(n)));
        AddMap(root, "secrets", project.Secrets.ToDictionary(n => n.Key, n => (object?)FileObject(n)));
        AddMap(root, "configs", project.Configs.ToDictionary(n => n.Key, n => (object?)FileObject(n)));
        if (options.IncludeExtensions)
        {
            if (tidegate is not null && !tidegate.IsNull())
            {
                root.Add(new("x-tidegate", Tree(tidegate, "x-tidegate", options)));
            }

            foreach (var (k, v) in project.Extensions.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                root.Add(new(k, Tree(v, k, options)));
            }
        }

        return root;
    }

    public static Map Service(ServiceDefinition s)
    {
        var m = new Dictionary<string, object?>(StringComparer.Ordinal);
        Put(m, "image", Esc(s.Image));
        if (s.Build is { } b)
        {
            var bm = new Dictionary<string, object?>();
            Put(bm, "context", Esc(b.Context));
            Put(bm, "dockerfile", Esc(b.Dockerfile));
            Put(bm, "target", Esc(b.Target));
            PutMap(bm, "args", Strings(b.Args));
            m["build"] = Sorted(bm);
        }

        Put(m, "command", s.Command is null ? null : List(s.Command));
        Put(m, "entrypoint", s.Entrypoint is null ? null : List(s.Entrypoint));
        PutMap(m, "environment", Strings(s.Environment));
        PutList(m, "env_file", s.EnvFiles.Select(e => (object?)Sorted(new Dictionary<string, object?> { ["path"] = Esc(e.Path), ["required"] = e.Required })).ToList());
        PutList(m, "ports", s.Ports.Select(p => (object?)Port(p)).ToList());
        PutList(m, "expose", List(s.Expose));
        PutList(m, "volumes", s.Volumes.Select(v => (object?)Volume(v)).ToList());
        if (s.Networks.Count > 0)
        {
            m["networks"] = Sorted(s.Networks.ToDictionary(n => n.Key, n => n.Value is null || Network(n.Value).Count == 0 ? null : (object?)Network(n.Value)));
        }

        Put(m, "network_mode", Esc(s.NetworkMode));
        if (s.DependsOn.Count > 0)
        {
            m["depends_on"] = Sorted(s.DependsOn.ToDictionary(d => d.Key, d => (object?)Sorted(new Dictionary<string, object?>
            {
                ["condition"] = d.Value.Condition switch
                {
                    DependencyCondition.ServiceHealthy => "service_healthy",
                    DependencyCondition.ServiceCompletedSuccessfully => "service_completed_successfully",
                    _ => "service_started",
                },
                ["required"] = d.Value.Required,
                ["restart"] = d.Value.Restart,
            })));
        }

        if (s.HealthCheck is { } h)
        {
            var hm = new Dictionary<string, object?>();
            Put(hm, "test", h.Test is null ? null : List(h.Test));
            Put(hm, "interval", Duration(h.Interval));
            Put(hm, "timeout", Duration(h.Timeout));
            Put(hm, "retries", h.Retries);
            Put(hm, "start_period", Duration(h.StartPeriod));
            Put(hm, "start_interval", Duration(h.StartInterval));
            if (h.Disable)
            {
                hm["disable"] = true;
            }

            m["healthcheck"] = Sorted(hm);
        }

        Put(m, "restart", s.Restart);
        PutMap(m, "labels", Strings(s.Labels));
        Put(m, "user", Esc(s.User));
        Put(m, "working_dir", Esc(s.WorkingDir));
        Put(m, "container_name", Esc(s.ContainerName));
        Put(m, "hostname", Esc(s.Hostname));
        Put(m, "domainname", Esc(s.Domainname));
        PutList(m, "extra_hosts", s.ExtraHosts.Select(e => (object?)Esc(e.Host + "=" + e.Address)).ToList());
        PutList(m, "dns", List(s.Dns));
        PutList(m, "dns_search", List(s.DnsSearch));
        PutList(m, "cap_add", List(s.CapAdd));
        PutList(m, "cap_drop", List(s.CapDrop));
        PutList(m, "security_opt", List(s.SecurityOpt));
        PutList(m, "devices", List(s.Devices));
        Put(m, "privileged", s.Privileged);
        Put(m, "init", s.Init);
        Put(m, "read_only", s.ReadOnly);
        Put(m, "tty", s.Tty);
        Put(m, "stdin_open", s.StdinOpen);
        Put(m, "stop_signal", Esc(s.StopSignal));
        Put(m, "stop_grace_period", Duration(s.StopGracePeriod));
        if (s.Deploy is { } d)
        {
            m["deploy"] = Deploy(d);
        }

        if (s.Logging is { } l)
        {
            var lm = new Dictionary<string, object?>();
            Put(lm, "driver", Esc(l.Driver));
            PutMap(lm, "options", Strings(l.Options));
            m["logging"] = Sorted(lm);
        }

        if (s.Ulimits.Count > 0)
        {
            m["ulimits"] = Sorted(s.Ulimits.ToDictionary(u => u.Key, u => (object?)Sorted(new Dictionary<string, object?> { ["hard"] = u.Value.Hard, ["soft"] = u.Value.Soft })));
        }

        PutMap(m, "sysctls", Strings(s.Sysctls));
        PutList(m, "tmpfs", List(s.Tmpfs));
        Put(m, "shm_size", s.ShmSize);
        Put(m, "mem_limit", s.MemLimit);
        Put(m, "mem_reservation", s.MemReservation);
        Put(m, "cpus", s.Cpus);
        Put(m, "pids_limit", s.PidsLimit);
        PutList(m, "secrets", s.Secrets.Select(r => (object?)FileReference(r)).ToList());
        PutList(m, "configs", s.Configs.Select(r => (object?)FileReference(r)).ToList());
        PutList(m, "profiles", List(s.Profiles));
        Put(m, "pull_policy", s.PullPolicy);
        Put(m, "platform", Esc(s.Platform));
        Put(m, "scale", s.Scale);
        foreach (var (k, v) in s.Extensions)
        {
            m[k] = Tree(v, k, RenderOptions.Default);
        }

        return Sorted(m);
    }

    private static Map Port(PortMapping p)
    {
        var m = new Dictionary<string, object?> { ["target"] = p.Target, ["protocol"] = p.Protocol };
        Put(m, "published", p.Published);
        Put(m, "host_ip", p.HostIp);
        Put(m, "mode", p.Mode);
        Put(m, "name", Esc(p.Name));
        Put(m, "app_protocol", Esc(p.AppProtocol));
        return Sorted(m);
    }

    private static Map Volume(ServiceVolume v)
    {
        var m = new Dictionary<string, object?>
        {
            ["type"] = v.Type.ToString().ToLowerInvariant(),
            ["target"] = Esc(v.Target),
        };
        Put(m, "source", Esc(v.Source));
        if (v.ReadOnly)
        {
            m["read_only"] = true;
        }

        Put(m, "consistency", v.Consistency);
        var bind = new Dictionary<string, object?>();
        Put(bind, "create_host_path", v.BindCreateHostPath);
        Put(bind, "propagation", v.BindPropagation);
        Put(bind, "selinux", v.BindSelinux);
        PutMap(m, "bind", bind);
        var volume = new Dictionary<string, object?>();
        Put(volume, "nocopy", v.VolumeNoCopy);
        Put(volume, "subpath", Esc(v.VolumeSubpath));
        PutMap(m, "volume", volume);
        var tmpfs = new Dictionary<string, object?>();
        Put(tmpfs, "size", v.TmpfsSize);
        Put(tmpfs, "mode", v.TmpfsMode);
        PutMap(m, "tmpfs", tmpfs);
        return Sorted(m);
    }

    private static Map Network(ServiceNetwork n)
    {
        var m = new Dictionary<string, object?>();
        PutList(m, "aliases", List(n.Aliases));
        Put(m, "ipv4_address", n.Ipv4Address);
        Put(m, "ipv6_address", n.Ipv6Address);
        Put(m, "priority", n.Priority);
        return Sorted(m);
    }

    private static Map FileReference(ServiceFileReference r)
    {
        var m = new Dictionary<string, object?> { ["source"] = Esc(r.Source) };
        Put(m, "target", Esc(r.Target));
        Put(m, "uid", Esc(r.Uid));
        Put(m, "gid", Esc(r.Gid));
        Put(m, "mode", r.Mode);
        return Sorted(m);
    }

    private static Map Deploy(DeployDefinition d)
    {
        var m = new Dictionary<string, object?>();
        Put(m, "mode", d.Mode);
        Put(m, "replicas", d.Replicas);
        PutMap(m, "labels", Strings(d.Labels));
        var resources = new Dictionary<string, object?>();
        Put(resources, "limits", Resources(d.Limits));
        Put(resources, "reservations", Resources(d.Reservations));
        PutMap(m, "resources", resources);
        Put(m, "update_config", Update(d.UpdateConfig));
        Put(m, "rollback_config", Update(d.RollbackConfig));
        if (d.RestartPolicy is { } r)
        {
            var rm = new Dictionary<string, object?>();
            Put(rm, "condition", r.Condition);
            Put(rm, "delay", Duration(r.Delay));
            Put(rm, "max_attempts", r.MaxAttempts);
            Put(rm, "window", Duration(r.Window));
            m["restart_policy"] = Sorted(rm);
        }

        if (d.PlacementConstraints.Count > 0)
        {
            m["placement"] = Sorted(new Dictionary<string, object?> { ["constraints"] = List(d.PlacementConstraints) });
        }

        return Sorted(m);
    }

    private static Map? Resources(ResourceSpec? r)
    {
        if (r is null)
        {
            return null;
        }

        var m = new Dictionary<string, object?>();
        Put(m, "cpus", r.Cpus);
        Put(m, "memory", r.Memory);
        Put(m, "pids", r.Pids);
        return Sorted(m);
    }

    private static Map? Update(UpdatePolicy? u)
    {
        if (u is null)
        {
            return null;
        }

        var m = new Dictionary<string, object?>();
        Put(m, "parallelism", u.Parallelism);
        Put(m, "delay", Duration(u.Delay));
        Put(m, "failure_action", u.FailureAction);
        Put(m, "monitor", Duration(u.Monitor));
        Put(m, "max_failure_ratio", u.MaxFailureRatio);
        Put(m, "order", u.Order);
        return Sorted(m);
    }

    private static Map Network(NetworkDefinition n)
    {
        var m = new Dictionary<string, object?>();
        Put(m, "name", Esc(n.Name));
        Put(m, "driver", Esc(n.Driver));
        PutMap(m, "driver_opts", Strings(n.DriverOpts));
        Put(m, "external", n.External);
        Put(m, "internal", n.Internal);
        Put(m, "attachable", n.Attachable);
        Put(m, "enable_ipv6", n.EnableIpv6);
        var ipam = new Dictionary<string, object?>();
        Put(ipam, "driver", Esc(n.IpamDriver));
        PutList(ipam, "config", n.IpamSubnets.Select(s => (object?)Sorted(new Dictionary<string, object?> { ["subnet"] = Esc(s) })).ToList());
        PutMap(m, "ipam", ipam);
        PutMap(m, "labels", Strings(n.Labels));
        return Sorted(m);
    }

    private static Map Volume(VolumeDefinition n)
    {
        var m = new Dictionary<string, object?>();
        Put(m, "name", Esc(n.Name));
        Put(m, "driver", Esc(n.Driver));
        PutMap(m, "driver_opts", Strings(n.DriverOpts));
        Put(m, "external", n.External);
        PutMap(m, "labels", Strings(n.Labels));
        return Sorted(m);
    }

    private static Map FileObject(FileObjectDefinition n)
    {
        var m = new Dictionary<string, object?>();
        Put(m, "name", Esc(n.Name));
        Put(m, "file", Esc(n.File));
        Put(m, "environment", Esc(n.Environment));
        Put(m, "content", Esc(n.Content));
        Put(m, "external", n.External);
        PutMap(m, "labels", Strings(n.Labels));
        return Sorted(m);
    }

    /// <summary>Extension trees keep their key order (users wrote them); values are escaped unless the
    /// loader never interpolates them (variable declarations, whose secret defaults are masked).</summary>
    private static object? Tree(YNode node, string path, RenderOptions options) => node switch
    {
        YScalar s when s.IsNull => null,
        YScalar s when path.StartsWith("x-tidegate.variables", StringComparison.Ordinal) => s.Value,
        YScalar s => Interpolator.Escape(s.Value),
        YSeq q => q.Items.Select(i => Tree(i, path, options)).ToList(),
        YMap m => m.Entries.Select(e => new KeyValuePair<string, object?>(e.Key.Value,
            path == "x-tidegate.variables" && !options.RevealSecrets && IsSecretDeclaration(e.Value) ? MaskDefault((YMap)e.Value) : Tree(e.Value, Child(path, e.Key.Value), options))).ToList(),
        _ => null,
    };

    private static string Child(string path, string key) => path is "x-tidegate" ? path + "." + key : path;

    private static bool IsSecretDeclaration(YNode node)
        => node is YMap m && m["type"] is YScalar { Value: var t } && t.ToLowerInvariant() is "secret" or "password" && m["default"] is YScalar { IsNull: false };

    private static Map MaskDefault(YMap variable)
        => variable.Entries.Select(e => new KeyValuePair<string, object?>(e.Key.Value, e.Key.Value == "default" ? Mask : Tree(e.Value, "x-tidegate.variables.x", RenderOptions.Default))).ToList();

    private static string? Esc(string? value) => value is null ? null : Interpolator.Escape(value);

    private static List<object?> List(IEnumerable<string> values) => values.Select(v => (object?)Interpolator.Escape(v)).ToList();

    private static Dictionary<string, object?> Strings<T>(IReadOnlyDictionary<string, T> values)
        => values.ToDictionary(v => v.Key, v => v.Value is null ? null : (object?)Interpolator.Escape(v.Value.ToString() ?? ""), StringComparer.Ordinal);

    private static string? Duration(TimeSpan? value) => value is null ? null : ValueParsers.FormatDuration(value.Value);

    private static Map Sorted(Dictionary<string, object?> map) => map.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();

    private static void Put(Dictionary<string, object?> m, string key, object? value)
    {
        if (value is not null)
        {
            m[key] = value;
        }
    }

    private static void PutMap(Dictionary<string, object?> m, string key, Dictionary<string, object?> value)
    {
        if (value.Count > 0)
        {
            m[key] = Sorted(value);
        }
    }

    private static void PutList(Dictionary<string, object?> m, string key, List<object?> value)
    {
        if (value.Count > 0)
        {
            m[key] = value;
        }
    }

    private static void Add(Map m, string key, object? value)
    {
        if (value is not null)
        {
            m.Add(new(key, value));
        }
    }

    private static void AddMap(Map m, string key, Dictionary<string, object?> value)
    {
        if (value.Count > 0)
        {
            m.Add(new(key, Sorted(value)));
        }
    }
}
