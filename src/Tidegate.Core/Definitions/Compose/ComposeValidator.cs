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
        var secrets = project.Secrets.Select(n => n.Key).ToHashSet(StringComparer.Ordinal);
        var configs = project.Configs.Select(n => n.Key).ToHashSet(StringComparer.Ordinal);
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

    private static void CheckReferences(ParseContext ctx, string file, string path, IReadOnlyList<ServiceFileReference> refs, HashSet<string> defined, string what, string section)
    {
        for (var i = 0; i < refs.Count; i++)
        {
            if (!defined.Contains(refs[i].Source))
            {
                Error(ctx, file, $"{path}[{i}]", $"{what} '{refs[i].Source}' is used but not defined in the top-level {section}");
            }
        }
    }

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

    private static void Error(ParseContext ctx, string file, string path, string message) => Add(ctx, file, path, message, DiagnosticSeverity.Error);

    private static void Warning(ParseContext ctx, string file, string path, string message) => Add(ctx, file, path, message, DiagnosticSeverity.Warning);

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
