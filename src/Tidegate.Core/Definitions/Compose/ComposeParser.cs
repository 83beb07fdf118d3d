using Tidegate.Core.Definitions.Yaml;
using static Tidegate.Core.Definitions.Yaml.YNodeExtensions;

namespace Tidegate.Core.Definitions.Compose;

/// <summary>Turns an (interpolated, merged) Compose tree into the typed <see cref="ComposeProject"/>.</summary>
internal static class ComposeParser
{
    public static ComposeProject Parse(YNode root, ParseContext ctx)
    {
        if (root is not YMap map)
        {
            ctx.Error(root, "", $"expected the Compose file to be a mapping at the top level, got {root.Describe()}");
            return new ComposeProject();
        }

        var project = new ComposeProject();
        var extensions = new SortedDictionary<string, YNode>(StringComparer.Ordinal);
        foreach (var entry in map.Entries)
        {
            var key = entry.Key.Value;
            var v = entry.Value;
            ctx.Remember(key, v);
            switch (key)
            {
                case "name":
                    var name = ctx.Str(v, key);
                    if (name is not null && !IsValidProjectName(name))
                    {
                        ctx.Error(v, key, $"expected a project name of lowercase letters, digits, dashes and underscores starting with a letter or digit, got '{name}'");
                    }

                    project = project with { Name = name };
                    break;
                case "version":
                    ctx.Warning(entry.Key, key, "'version' is obsolete and ignored (Compose Specification)");
                    break;
                case "services":
                    var services = new List<ServiceDefinition>();
                    foreach (var s in ctx.Map(v, key)?.Entries ?? [])
                    {
                        if (ServiceParser.Parse(s.Key.Value, s.Value, ctx) is { } service)
                        {
                            services.Add(service);
                        }
                    }

                    project = project with { Services = services.OrderBy(s => s.Name, StringComparer.Ordinal).ToList() };
                    break;
                case "networks":
                    project = project with { Networks = Each(v, key, ctx, ParseNetwork) };
                    break;
                case "volumes":
                    project = project with { Volumes = Each(v, key, ctx, ParseVolume) };
                    break;
                case "secrets":
                    project = project with { Secrets = Each(v, key, ctx, ParseFileObject) };
                    break;
                case "configs":
                    project = project with { Configs = Each(v, key, ctx, ParseFileObject) };
                    break;
                case "include":
                    // Resolved by the loader before parsing; a leftover means the loader could not resolve it.
                    break;
                case "x-tidegate":
                    break;
                default:
                    if (key.StartsWith("x-", StringComparison.Ordinal))
                    {
                        extensions[key] = v;
                    }
                    else
                    {
                        ctx.Unknown(entry, "", new HashSet<string> { "models" });
                    }

                    break;
            }
        }

        return project with { Extensions = extensions };
    }

    public static bool IsValidProjectName(string name) => Validation.Names.IsProjectName(name);

    private static List<T> Each<T>(YNode v, string path, ParseContext ctx, Func<string, YNode, string, ParseContext, T> parse)
        where T : class
    {
        var result = new List<T>();
        foreach (var e in ctx.Map(v, path)?.Entries ?? [])
        {
            var p = Join(path, e.Key.Value);
            ctx.Remember(p, e.Key);
            result.Add(parse(e.Key.Value, e.Value, p, ctx));
        }

        return result;
    }

    private static (bool? External, string? Name) ParseExternal(YNode v, string p, ParseContext ctx)
    {
        if (v is YMap m)
        {
            ctx.Warning(v, p, "'external.name' is deprecated; use 'name' with 'external: true'");
            return (true, m["name"] is { } n ? ctx.Str(n, Join(p, "name")) : null);
        }

        return (ctx.Bool(v, p), null);
    }

    private static NetworkDefinition ParseNetwork(string key, YNode v, string p, ParseContext ctx)
    {
        var n = new NetworkDefinition { Key = key };
        foreach (var e in ctx.Map(v, p)?.Entries ?? [])
        {
            var ep = Join(p, e.Key.Value);
            switch (e.Key.Value)
            {
                case "name": n = n with { Name = ctx.Str(e.Value, ep) }; break;
                case "driver": n = n with { Driver = ctx.Str(e.Value, ep) }; break;
                case "driver_opts": n = n with { DriverOpts = ctx.StringDictionary(e.Value, ep) }; break;
                case "external":
                    var (external, name) = ParseExternal(e.Value, ep, ctx);
                    n = n with { External = external, Name = name ?? n.Name };
                    break;
                case "internal": n = n with { Internal = ctx.Bool(e.Value, ep) }; break;
                case "attachable": n = n with { Attachable = ctx.Bool(e.Value, ep) }; break;
                case "enable_ipv6": n = n with { EnableIpv6 = ctx.Bool(e.Value, ep) }; break;
                case "labels": n = n with { Labels = ctx.StringDictionary(e.Value, ep) }; break;
                case "ipam":
                    foreach (var ie in ctx.Map(e.Value, ep)?.Entries ?? [])
                    {
                        var ip = Join(ep, ie.Key.Value);
                        switch (ie.Key.Value)
                        {
                            case "driver": n = n with { IpamDriver = ctx.Str(ie.Value, ip) }; break;
                            case "config":
                                var subnets = new List<string>();
                                if (ie.Value is YSeq cs)
                                {
                                    for (var i = 0; i < cs.Items.Count; i++)
                                    {
                                        var cp = Index(ip, i);
                                        foreach (var ce in ctx.Map(cs.Items[i], cp)?.Entries ?? [])
                                        {
                                            if (ce.Key.Value == "subnet" && ctx.Str(ce.Value, Join(cp, "subnet")) is { } subnet)
                                            {
                                                subnets.Add(subnet);
                                            }
                                            else if (ce.Key.Value != "subnet")
                                            {
                                                ctx.Unknown(ce, cp, new HashSet<string> { "ip_range", "gateway", "aux_addresses" });
                                            }
                                        }
                                    }
                                }
                                else
                                {
                                    ctx.Error(ie.Value, ip, $"expected a list of IPAM configurations, got {ie.Value.Describe()}");
                                }

                                n = n with { IpamSubnets = subnets };
                                break;
                            default: ctx.Unknown(ie, ep, new HashSet<string> { "options" }); break;
                        }
                    }

                    break;
                default:
                    ctx.Unknown(e, p);
                    break;
            }
        }

        return n;
    }

    private static VolumeDefinition ParseVolume(string key, YNode v, string p, ParseContext ctx)
    {
        var n = new VolumeDefinition { Key = key };
        foreach (var e in ctx.Map(v, p)?.Entries ?? [])
        {
            var ep = Join(p, e.Key.Value);
            switch (e.Key.Value)
            {
                case "name": n = n with { Name = ctx.Str(e.Value, ep) }; break;
                case "driver": n = n with { Driver = ctx.Str(e.Value, ep) }; break;
                case "driver_opts": n = n with { DriverOpts = ctx.StringDictionary(e.Value, ep) }; break;
                case "external":
                    var (external, name) = ParseExternal(e.Value, ep, ctx);
                    n = n with { External = external, Name = name ?? n.Name };
                    break;
                case "labels": n = n with { Labels = ctx.StringDictionary(e.Value, ep) }; break;
                default: ctx.Unknown(e, p); break;
            }
        }

        return n;
    }

    private static FileObjectDefinition ParseFileObject(string key, YNode v, string p, ParseContext ctx)
    {
        var n = new FileObjectDefinition { Key = key };
        foreach (var e in ctx.Map(v, p)?.Entries ?? [])
        {
            var ep = Join(p, e.Key.Value);
            // Checks at resolve time (a missing file, a variable without a value) point at the value.
            ctx.Remember(ep, e.Value);
            switch (e.Key.Value)
            {
                case "name": n = n with { Name = ctx.Str(e.Value, ep) }; break;
                case "file": n = n with { File = ctx.Str(e.Value, ep) is { } f ? ctx.RebasePath(e.Value, f) : null }; break;
                case "environment": n = n with { Environment = ctx.Str(e.Value, ep) }; break;
                case "content": n = n with { Content = ctx.Str(e.Value, ep) }; break;
                case "external":
                    var (external, name) = ParseExternal(e.Value, ep, ctx);
                    n = n with { External = external, Name = name ?? n.Name };
                    break;
                case "labels": n = n with { Labels = ctx.StringDictionary(e.Value, ep) }; break;
                default: ctx.Unknown(e, p, new HashSet<string> { "driver", "driver_opts", "template_driver" }); break;
            }
        }

        if (n.File is null && n.Environment is null && n.Content is null && n.External != true && v is YMap)
        {
            ctx.Error(v, p, "expected one of 'file', 'environment', 'content' or 'external: true'");
        }

        return n;
    }
}
