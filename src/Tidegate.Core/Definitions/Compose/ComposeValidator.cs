using Tidegate.Core.Definitions.Yaml;

namespace Tidegate.Core.Definitions.Compose;

/// <summary>Checks that need the whole project: references between services and top-level
/// resources, dependency cycles, names that must be unique.</summary>
internal static class ComposeValidator
{
    public static void Validate(ComposeProject project, ParseContext ctx, string file)
    {
        var services = project.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var networks = project.Networks.Select(n => n.Key).Append("default").ToHashSet(StringComparer.Ordinal);
        var volumes = project.Volumes.Select(n => n.Key).ToHashSet(StringComparer.Ordinal);
        var secrets = project.Secrets.ToDictionary(n => n.Key, StringComparer.Ordinal);
        var configs = project.Configs.ToDictionary(n => n.Key, StringComparer.Ordinal);
        var containerNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var hostPorts = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var s in project.Services)
        {
            var path = "services." + s.Name;
            if (s.Image is null && s.Build is null)
            {
                Error(ctx, file, path, "expected 'image' (or 'build', which Tidegate does not run)");
            }
            else if (s.Build is not null)
            {
                Warning(ctx, file, path + ".build", s.Image is null
                    ? "Tidegate does not build images; set 'image' to a pushed image"
                    : "Tidegate does not build images; 'build' is kept but the image is pulled");
            }

            foreach (var dep in s.DependsOn.Keys)
            {
                if (!services.Contains(dep))
                {
                    Error(ctx, file, $"{path}.depends_on.{dep}", $"expected the name of a service, got '{dep}' (not defined in services)");
                }
            }

            foreach (var net in s.Networks.Keys)
            {
                if (!networks.Contains(net))
                {
                    Error(ctx, file, $"{path}.networks.{net}", $"network '{net}' is used but not defined in the top-level networks");
                }
            }

            if (s.NetworkMode is not null && s.Networks.Count > 0)
            {
                Error(ctx, file, path + ".network_mode", "expected either 'network_mode' or 'networks', not both");
            }

            if (s.NetworkMode?.StartsWith("service:", StringComparison.Ordinal) == true && !services.Contains(s.NetworkMode[8..]))
            {
                Error(ctx, file, path + ".network_mode", $"expected the name of a service after 'service:', got '{s.NetworkMode[8..]}'");
            }

            for (var i = 0; i < s.Volumes.Count; i++)
            {
                var vol = s.Volumes[i];
                if (vol.Type == VolumeType.Volume && vol.Source is not null && !volumes.Contains(vol.Source))
                {
                    Error(ctx, file, $"{path}.volumes[{i}]", $"volume '{vol.Source}' is used but not defined in the top-level volumes");
                }
            }

            CheckReferences(ctx, file, path + ".secrets", s.Secrets, secrets, "secret", "secrets");
            CheckReferences(ctx, file, path + ".configs", s.Configs, configs, "config", "configs");
            CheckFileTargets(ctx, file, s);

            CheckHostPorts(ctx, file, s, hostPorts);

            if (s.ContainerName is not null)
            {
                if (containerNames.TryGetValue(s.ContainerName, out var other))
                {
                    Error(ctx, file, path + ".container_name", $"container name '{s.ContainerName}' is already used by service '{other}'");
                }
                else
                {
                    containerNames[s.ContainerName] = s.Name;
                }
            }

            if (s.HealthCheck is { Disable: true, Test: { } test } && test is not ["NONE"])
            {
                Error(ctx, file, path + ".healthcheck", "expected either 'disable: true' or a 'test', not both");
            }
        }

        CheckFileObjects(ctx, file, project);
        FindCycles(project, ctx, file);
    }

    // Merging matches ports by their text before interpolation, so "8080:80" and "${PORT:-8080}:80" both
    // survive a merge; the engine would refuse the second binding, so it is caught here on the resolved values.
    private static void CheckHostPorts(ParseContext ctx, string file, ServiceDefinition s, Dictionary<string, string> seen)
    {
        foreach (var port in s.Ports)
        {
            if (port.Published is null || !int.TryParse(port.Published, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var published))
            {
                continue;
            }

            var hostIp = port.HostIp ?? "";
            var key = $"{hostIp}|{published}|{port.Protocol}";
            var binding = $"{(hostIp.Length == 0 ? "" : hostIp.Contains(':', StringComparison.Ordinal) ? $"[{hostIp}]:" : hostIp + ":")}{published}/{port.Protocol}";
            if (seen.TryGetValue(key, out var other))
            {
                Error(ctx, file, $"services.{s.Name}.ports", $"host port {binding} is published twice (also by {other})");
            }
            else
            {
                seen[key] = $"service '{s.Name}'";
            }
        }
    }

    // Without swarm a secret or config is a read-only bind-mounted file: external ones (swarm objects) cannot be
    // had, and uid/gid (and mode, for a host file) cannot be applied to a bind mount, as docker compose also says.
    private static void CheckReferences(
        ParseContext ctx, string file, string path, IReadOnlyList<ServiceFileReference> refs, Dictionary<string, FileObjectDefinition> defined, string what, string section)
    {
        for (var i = 0; i < refs.Count; i++)
        {
            var r = refs[i];
            var at = $"{path}[{i}]";
            if (!defined.TryGetValue(r.Source, out var d))
            {
                Error(ctx, file, at, $"{what} '{r.Source}' is used but not defined in the top-level {section}");
                continue;
            }

            if (d.External == true)
            {
                Error(ctx, file, at, $"{what} '{r.Source}' is external, which needs swarm mode; Tidegate deploys to a Docker engine without swarm, so give it a 'file' or 'environment'{(section == "configs" ? " or 'content'" : "")}");
            }

            if (r.Uid is not null || r.Gid is not null)
            {
                Warning(ctx, file, at, $"'uid' and 'gid' are ignored: without swarm the {what} is a bind-mounted file owned by its owner on the host");
            }

            if (r.Mode is not null && d.File is not null)
            {
                Warning(ctx, file, at, $"'mode' is ignored: {what} '{r.Source}' is the bind-mounted host file '{d.File}', which keeps its own mode");
            }
        }
    }

    private static void CheckFileObjects(ParseContext ctx, string file, ComposeProject project)
    {
        foreach (var secret in project.Secrets.Where(s => s.Content is not null))
        {
            Error(ctx, file, $"secrets.{secret.Key}.content", "expected 'file' or 'environment' for a secret; 'content' is only for configs");
        }

        foreach (var d in project.Secrets.Select(s => (Definition: s, Section: "secrets")).Concat(project.Configs.Select(c => (Definition: c, Section: "configs"))))
        {
            var sources = new[] { d.Definition.File is null ? null : "file", d.Definition.Environment is null ? null : "environment", d.Definition.Content is null ? null : "content" }
                .OfType<string>().ToList();
            if (sources.Count > 1)
            {
                Error(ctx, file, $"{d.Section}.{d.Definition.Key}", $"expected one source, got {string.Join(" and ", sources.Select(x => $"'{x}'"))}");
            }
        }
    }

    /// <summary>Two secrets or configs mounted at the same path of one container would hide each other.</summary>
    private static void CheckFileTargets(ParseContext ctx, string file, ServiceDefinition s)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var refs = s.Secrets.Select((r, i) => (Target: SecretTarget(r), Path: $"services.{s.Name}.secrets[{i}]", Name: $"secret '{r.Source}'"))
            .Concat(s.Configs.Select((r, i) => (Target: ConfigTarget(r), Path: $"services.{s.Name}.configs[{i}]", Name: $"config '{r.Source}'")));
        foreach (var (target, path, name) in refs)
        {
            if (!target.StartsWith('/') || target.Split('/').Contains(".."))
            {
                Error(ctx, file, path, $"expected an absolute target path without '..', got '{target}'");
            }
            else if (seen.TryGetValue(target, out var other))
            {
                Error(ctx, file, path, $"{name} is mounted at {target}, where {other} is already mounted");
            }
            else
            {
                seen[target] = name;
            }
        }
    }

    /// <summary>Where a service's secret appears: /run/secrets/&lt;target or source&gt;, or the target when it is absolute.</summary>
    public static string SecretTarget(ServiceFileReference r) =>
        r.Target is { Length: > 0 } t ? t.StartsWith('/') ? t : "/run/secrets/" + t : "/run/secrets/" + r.Source;

    /// <summary>Where a service's config appears: its target, or /&lt;source&gt; (a relative target is taken from the root, as compose does).</summary>
    public static string ConfigTarget(ServiceFileReference r) =>
        r.Target is { Length: > 0 } t ? t.StartsWith('/') ? t : "/" + t : "/" + r.Source;

    private static void FindCycles(ComposeProject project, ParseContext ctx, string file)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new List<string>();
        var reported = new HashSet<string>(StringComparer.Ordinal);

        void Visit(string name)
        {
            state[name] = 1;
            stack.Add(name);
            foreach (var dep in project.Service(name)?.DependsOn.Keys ?? Enumerable.Empty<string>())
            {
                if (project.Service(dep) is null)
                {
                    continue;
                }

                if (state.GetValueOrDefault(dep) == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(dep)).Append(dep).ToList();
                    var key = string.Join(",", cycle.Skip(1).Order(StringComparer.Ordinal));
                    if (reported.Add(key))
                    {
                        Error(ctx, file, $"services.{name}.depends_on.{dep}", "dependency cycle: " + string.Join(" -> ", cycle));
                    }
                }
                else if (state.GetValueOrDefault(dep) == 0)
                {
                    Visit(dep);
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[name] = 2;
        }

        foreach (var s in project.Services)
        {
            if (state.GetValueOrDefault(s.Name) == 0)
            {
                Visit(s.Name);
            }
        }
    }

    internal static void Error(ParseContext ctx, string file, string path, string message) => Add(ctx, file, path, message, DiagnosticSeverity.Error);

    internal static void Warning(ParseContext ctx, string file, string path, string message) => Add(ctx, file, path, message, DiagnosticSeverity.Warning);

    private static void Add(ParseContext ctx, string file, string path, string message, DiagnosticSeverity severity)
    {
        var mark = ctx.Positions.TryGetValue(path, out var m) ? m : Nearest(ctx, path) ?? new Mark(file, 1, 1);
        ctx.Diagnostics.Add(new Diagnostic(severity, mark.File.Length > 0 ? mark.File : file, mark.Line, mark.Column, path, message));
    }

    private static Mark? Nearest(ParseContext ctx, string path)
    {
        while (path.Length > 0)
        {
            var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
            path = cut <= 0 ? "" : path[..cut];
            if (ctx.Positions.TryGetValue(path, out var m))
            {
                return m;
            }
        }

        return null;
    }
}
