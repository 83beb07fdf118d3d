using System.Globalization;
using Tidegate.Core.Definitions.Yaml;
using static Tidegate.Core.Definitions.Yaml.YNodeExtensions;

namespace Tidegate.Core.Definitions.Compose;

// Ports and volumes: the short string notations and the long mappings.
internal static partial class ServiceParser
{
    public static List<PortMapping> ParsePorts(YNode v, string p, ParseContext ctx)
    {
        var result = new List<PortMapping>();
        if (v is not YSeq seq)
        {
            if (!v.IsNull())
            {
                ctx.Error(v, p, $"expected a list of ports, got {v.Describe()}");
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
                var port = ParsePortLong(m, ip, ctx);
                if (port is not null)
                {
                    result.Add(port);
                }
            }
            else if (item is YScalar s && !s.IsNull)
            {
                var ports = ValueParsers.ParsePortShort(s.Value, out var error);
                if (error is not null)
                {
                    ctx.Error(item, ip, error);
                }
                else
                {
                    result.AddRange(ports!);
                }
            }
            else
            {
                ctx.Error(item, ip, $"expected a port string or mapping, got {item.Describe()}");
            }
        }

        return result;
    }

    private static PortMapping? ParsePortLong(YMap m, string p, ParseContext ctx)
    {
        int? target = null;
        string? published = null, hostIp = null, mode = null, name = null, appProtocol = null;
        var protocol = "tcp";
        var ok = true;
        foreach (var e in m.Entries)
        {
            var ep = Join(p, e.Key.Value);
            switch (e.Key.Value)
            {
                case "target":
                    target = ctx.Int(e.Value, ep, 1, 65535, "a port number");
                    ok &= target is not null;
                    break;
                case "published":
                    published = ctx.Str(e.Value, ep);
                    if (published is not null && !ValueParsers.TryParseRange(published, out _, out _))
                    {
                        ctx.Error(e.Value, ep, $"expected a port number 1-65535 or a range, got '{published}'");
                        ok = false;
                    }

                    break;
                case "host_ip": hostIp = ctx.Str(e.Value, ep); break;
                case "protocol":
                    protocol = ParseEnum(e.Value, ep, ctx, "tcp", "udp", "sctp") ?? "tcp";
                    break;
                case "mode": mode = ParseEnum(e.Value, ep, ctx, "host", "ingress"); break;
                case "name": name = ctx.Str(e.Value, ep); break;
                case "app_protocol": appProtocol = ctx.Str(e.Value, ep); break;
                default:
                    ctx.Unknown(e, p);
                    break;
            }
        }

        if (target is null)
        {
            if (ok)
            {
                ctx.Error(m, p, "expected 'target' (the container port) in the long port syntax");
            }

            return null;
        }

        return ok ? new PortMapping(target.Value, published, hostIp, protocol, mode ?? "ingress", name, appProtocol) : null;
    }

    public static List<ServiceVolume> ParseVolumes(YNode v, string p, ParseContext ctx)
    {
        var result = new List<ServiceVolume>();
        if (v is not YSeq seq)
        {
            if (!v.IsNull())
            {
                ctx.Error(v, p, $"expected a list of volumes, got {v.Describe()}");
            }

            return result;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var item = seq.Items[i];
            var ip = Index(p, i);
            ctx.Remember(ip, item);
            ServiceVolume? volume;
            if (item is YMap m)
            {
                volume = ParseVolumeLong(m, ip, ctx);
            }
            else if (item is YScalar s && !s.IsNull)
            {
                volume = ValueParsers.ParseVolumeShort(s.Value, out var error);
                if (error is not null)
                {
                    ctx.Error(item, ip, error);
                }
            }
            else
            {
                ctx.Error(item, ip, $"expected a volume string or mapping, got {item.Describe()}");
                volume = null;
            }

            if (volume is not null)
            {
                if (volume.Type == VolumeType.Bind && volume.Source is not null)
                {
                    volume = volume with { Source = ctx.RebasePath(item, volume.Source) };
                }

                result.Add(volume);
            }
        }

        return result;
    }

    private static ServiceVolume? ParseVolumeLong(YMap m, string p, ParseContext ctx)
    {
        VolumeType? type = null;
        string? source = null, target = null;
        var volume = new ServiceVolume(VolumeType.Volume, null, "", false);
        var ok = true;
        foreach (var e in m.Entries)
        {
            var ep = Join(p, e.Key.Value);
            switch (e.Key.Value)
            {
                case "type":
                    var t = ParseEnum(e.Value, ep, ctx, "bind", "volume", "tmpfs", "npipe", "image", "cluster");
                    type = t switch
                    {
                        "bind" => VolumeType.Bind,
                        "tmpfs" => VolumeType.Tmpfs,
                        "npipe" => VolumeType.Npipe,
                        "image" => VolumeType.Image,
                        "volume" => VolumeType.Volume,
                        _ => null,
                    };
                    ok &= type is not null;
                    break;
                case "source": source = ctx.Str(e.Value, ep); break;
                case "target":
                    target = ctx.Str(e.Value, ep);
                    if (target is not null && !ValueParsers.IsAbsolute(target))
                    {
                        ctx.Error(e.Value, ep, $"expected an absolute container path, got '{target}'");
                        ok = false;
                    }

                    break;
                case "read_only": volume = volume with { ReadOnly = ctx.Bool(e.Value, ep) ?? false }; break;
                case "consistency": volume = volume with { Consistency = ctx.Str(e.Value, ep) }; break;
                case "bind":
                    foreach (var b in ctx.Map(e.Value, ep)?.Entries ?? [])
                    {
                        var bp = Join(ep, b.Key.Value);
                        volume = b.Key.Value switch
                        {
                            "create_host_path" => volume with { BindCreateHostPath = ctx.Bool(b.Value, bp) },
                            "propagation" => volume with { BindPropagation = ctx.Str(b.Value, bp) },
                            "selinux" => volume with { BindSelinux = ParseEnum(b.Value, bp, ctx, "z", "Z") },
                            _ => Warn(volume, b, ep, ctx),
                        };
                    }

                    break;
                case "volume":
                    foreach (var b in ctx.Map(e.Value, ep)?.Entries ?? [])
                    {
                        var bp = Join(ep, b.Key.Value);
                        volume = b.Key.Value switch
                        {
                            "nocopy" => volume with { VolumeNoCopy = ctx.Bool(b.Value, bp) },
                            "subpath" => volume with { VolumeSubpath = ctx.Str(b.Value, bp) },
                            _ => Warn(volume, b, ep, ctx),
                        };
                    }

                    break;
                case "tmpfs":
                    foreach (var b in ctx.Map(e.Value, ep)?.Entries ?? [])
                    {
                        var bp = Join(ep, b.Key.Value);
                        volume = b.Key.Value switch
                        {
                            "size" => volume with { TmpfsSize = ctx.Bytes(b.Value, bp) },
                            "mode" => volume with { TmpfsMode = ParseMode(b.Value, bp, ctx) },
                            _ => Warn(volume, b, ep, ctx),
                        };
                    }

                    break;
                default:
                    ctx.Unknown(e, p);
                    break;
            }
        }

        if (type is null && ok)
        {
            ctx.Error(m, p, "expected 'type' (bind, volume or tmpfs) in the long volume syntax");
            return null;
        }

        if (target is null && ok)
        {
            ctx.Error(m, p, "expected 'target' (the container path) in the long volume syntax");
            return null;
        }

        if (type == VolumeType.Bind && source is null && ok)
        {
            ctx.Error(m, p, "expected 'source' (the host path) for a bind mount");
            return null;
        }

        return ok && type is not null && target is not null ? volume with { Type = type.Value, Source = source, Target = target } : null;
    }

    private static ServiceVolume Warn(ServiceVolume volume, YEntry e, string path, ParseContext ctx)
    {
        ctx.Unknown(e, path);
        return volume;
    }

    private static int? ParseMode(YNode v, string p, ParseContext ctx)
    {
        var text = ctx.Str(v, p);
        if (text is null)
        {
            return null;
        }

        // YAML 1.1 octal (0440) and plain decimal are both seen in the wild; compose reads them as octal when they start with 0.
        try
        {
            return text.StartsWith("0o", StringComparison.Ordinal) ? System.Convert.ToInt32(text[2..], 8)
                : text.StartsWith('0') && text.Length > 1 ? System.Convert.ToInt32(text, 8)
                : int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            ctx.Error(v, p, $"expected a file mode such as 0440, got '{text}'");
            return null;
        }
    }
}
