using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Tidegate.Core.Definitions.Compose;

/// <summary>Parsers for the compact string notations of the Compose Specification. Each returns null
/// and an error text ("expected ..., got '...'") when the input is invalid.</summary>
internal static partial class ValueParsers
{
    /// <summary>The longest duration Compose itself accepts (Go's time.Duration: int64 nanoseconds, about 292 years).</summary>
    public static readonly TimeSpan MaxComposeDuration = TimeSpan.FromTicks(long.MaxValue / 100);

    /// <summary>Parses a Compose duration (<c>1h30m</c>, <c>10s</c>, <c>500ms</c>, <c>0</c>). Values beyond
    /// <see cref="MaxComposeDuration"/> and texts longer than a duration can sensibly be are errors, never overflows.</summary>
    public static TimeSpan? ParseDuration(string text, out string? error)
    {
        error = null;
        var s = text.Trim();
        if (s == "0")
        {
            return TimeSpan.Zero;
        }

        var matches = s.Length > 64 ? null : DurationPart().Matches(s);
        if (s.Length == 0 || matches is null || matches.Count == 0 || matches.Sum(m => m.Length) != s.Length)
        {
            error = $"expected a duration such as 10s, 1m30s or 500ms, got '{Shorten(text)}'";
            return null;
        }

        // Decimal arithmetic, exact for the fractions Compose allows; each part is checked against what is left of the
        // range before it is multiplied, so no number in the text can overflow.
        decimal ticks = 0;
        foreach (Match m in matches)
        {
            decimal factor = m.Groups[2].Value switch
            {
                "h" => TimeSpan.TicksPerHour,
                "m" => TimeSpan.TicksPerMinute,
                "s" => TimeSpan.TicksPerSecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "us" or "µs" => TimeSpan.TicksPerMicrosecond,
                _ => 0.01m,
            };
            if (!decimal.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)
                || n > (MaxComposeDuration.Ticks - ticks) / factor)
            {
                error = TooLarge(text);
                return null;
            }

            ticks += n * factor;
        }

        if (ticks > MaxComposeDuration.Ticks)
        {
            error = TooLarge(text);
            return null;
        }

        return TimeSpan.FromTicks((long)Math.Round(ticks));
    }

    private static string TooLarge(string text)
        => $"expected a duration of at most {FormatDuration(MaxComposeDuration)}, got '{Shorten(text)}' (too large)";

    private static string Shorten(string text) => text.Length > 60 ? text[..57] + "..." : text;

    /// <summary>Formats like Go's time.Duration (which is what docker compose prints): 1m30s, 500ms, 1h0m0s.</summary>
    public static string FormatDuration(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        var ticks = value.Ticks;
        if (ticks < 0)
        {
            sb.Append('-');
            ticks = -ticks;
        }

        if (ticks < TimeSpan.TicksPerSecond)
        {
            if (ticks % TimeSpan.TicksPerMillisecond == 0)
            {
                return sb.Append(ticks / TimeSpan.TicksPerMillisecond).Append("ms").ToString();
            }

            if (ticks % TimeSpan.TicksPerMicrosecond == 0)
            {
                return sb.Append(ticks / TimeSpan.TicksPerMicrosecond).Append("us").ToString();
            }

            return sb.Append(ticks * 100).Append("ns").ToString();
        }

        var hours = ticks / TimeSpan.TicksPerHour;
        var minutes = ticks % TimeSpan.TicksPerHour / TimeSpan.TicksPerMinute;
        var secondTicks = ticks % TimeSpan.TicksPerMinute;
        if (hours > 0)
        {
            sb.Append(hours).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            sb.Append(minutes).Append('m');
        }

        var seconds = (decimal)secondTicks / TimeSpan.TicksPerSecond;
        sb.Append(seconds.ToString("0.#######", CultureInfo.InvariantCulture)).Append('s');
        return sb.ToString();
    }

    public static long? ParseBytes(string text, out string? error)
    {
        error = null;
        var m = ByteSize().Match(text.Trim());
        if (!m.Success)
        {
            error = $"expected a byte size such as 512m, 1g or 1024, got '{text}'";
            return null;
        }

        if (!decimal.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            error = $"expected a byte size such as 512m, 1g or 1024, got '{text}' (too large)";
            return null;
        }

        var unit = m.Groups[2].Value.ToUpperInvariant();
        decimal factor = unit switch
        {
            "K" => 1L << 10,
            "M" => 1L << 20,
            "G" => 1L << 30,
            "T" => 1L << 40,
            "P" => 1L << 50,
            _ => 1,
        };
        if (n > long.MaxValue / factor)
        {
            error = $"expected a byte size such as 512m, 1g or 1024, got '{text}' (too large)";
            return null;
        }

        return (long)(n * factor);
    }

    public static bool TryParsePort(string text, out int port)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    /// <summary>Short port syntax: <c>[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]</c>, with ranges.</summary>
    public static IReadOnlyList<PortMapping>? ParsePortShort(string text, out string? error)
    {
        error = null;
        var rest = text.Trim();
        var protocol = "tcp";
        var slash = rest.LastIndexOf('/');
        if (slash >= 0)
        {
            protocol = rest[(slash + 1)..];
            rest = rest[..slash];
            if (protocol is not ("tcp" or "udp" or "sctp"))
            {
                error = $"expected protocol tcp, udp or sctp, got '{protocol}' in '{text}'";
                return null;
            }
        }

        string? hostIp = null;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= rest.Length || rest[close + 1] != ':')
            {
                error = $"expected [IPv6]:published:target, got '{text}'";
                return null;
            }

            hostIp = rest[1..close];
            rest = rest[(close + 2)..];
        }

        // From the right: TARGET, then PUBLISHED, then everything left is the host IP, so a bare IPv6
        // address like "::1:6000:6000" (05-services.md) keeps its colons.
        string? published = null;
        string target;
        var last = rest.LastIndexOf(':');
        if (last < 0)
        {
            target = rest;
        }
        else
        {
            target = rest[(last + 1)..];
            var before = rest[..last];
            var second = before.LastIndexOf(':');
            if (second < 0)
            {
                published = before;
            }
            else if (hostIp is null)
            {
                published = before[(second + 1)..];
                hostIp = before[..second];
                if (hostIp.Contains(':', StringComparison.Ordinal) && !IPAddress.TryParse(hostIp, out _))
                {
                    error = $"expected [HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL], got '{text}'";
                    return null;
                }
            }
            else
            {
                error = $"expected [HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL], got '{text}'";
                return null;
            }
        }

        if (published is { Length: 0 })
        {
            published = null;
        }

        if (!TryParseRange(target, out var tStart, out var tEnd))
        {
            error = $"expected a port number 1-65535 or a range, got '{target}'" + (target == text ? "" : $" in '{text}'");
            return null;
        }

        int pStart = 0, pEnd = 0;
        if (published is not null && !TryParseRange(published, out pStart, out pEnd))
        {
            error = $"expected a published port number 1-65535 or a range, got '{published}' in '{text}'";
            return null;
        }

        var result = new List<PortMapping>();
        if (tStart == tEnd)
        {
            var pub = published is null ? null : pStart == pEnd ? pStart.ToString(CultureInfo.InvariantCulture) : $"{pStart}-{pEnd}";
            result.Add(new PortMapping(tStart, pub, hostIp, protocol, "ingress"));
            return result;
        }

        if (published is not null && pEnd - pStart != tEnd - tStart)
        {
            error = $"expected the published range to be as long as the target range, got '{text}'";
            return null;
        }

        for (var i = 0; i <= tEnd - tStart; i++)
        {
            var pub = published is null ? null : (pStart + i).ToString(CultureInfo.InvariantCulture);
            result.Add(new PortMapping(tStart + i, pub, hostIp, protocol, "ingress"));
        }

        return result;
    }

    public static bool TryParseRange(string text, out int start, out int end)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            var ok = TryParsePort(text, out start);
            end = start;
            return ok;
        }

        end = 0;
        return TryParsePort(text[..dash], out start) && TryParsePort(text[(dash + 1)..], out end) && end >= start;
    }

    /// <summary>Short volume syntax: <c>[SOURCE:]TARGET[:MODE]</c>.</summary>
    public static ServiceVolume? ParseVolumeShort(string text, out string? error)
    {
        error = null;
        var parts = SplitVolume(text);
        if (parts.Count is 0 or > 3 || parts.Any(p => p.Length == 0))
        {
            error = $"expected [SOURCE:]TARGET[:MODE], got '{text}'";
            return null;
        }

        if (parts.Count == 1)
        {
            return IsAbsolute(parts[0])
                ? new ServiceVolume(VolumeType.Volume, null, parts[0], false)
                : Fail($"expected an absolute container path, got '{parts[0]}'", out error);
        }

        var source = parts[0];
        var target = parts[1];
        if (!IsAbsolute(target))
        {
            error = $"expected an absolute container path, got '{target}' in '{text}'";
            return null;
        }

        var readOnly = false;
        string? selinux = null;
        string? consistency = null;
        string? propagation = null;
        var nocopy = false;
        if (parts.Count == 3)
        {
            foreach (var mode in parts[2].Split(','))
            {
                switch (mode)
                {
                    case "ro": readOnly = true; break;
                    case "rw": break;
                    case "z" or "Z": selinux = mode; break;
                    case "consistent" or "cached" or "delegated": consistency = mode; break;
                    case "nocopy": nocopy = true; break;
                    case "shared" or "rshared" or "slave" or "rslave" or "private" or "rprivate": propagation = mode; break;
                    default:
                        error = $"expected access mode ro, rw, z, Z, nocopy, a consistency or a propagation mode, got '{mode}' in '{text}'";
                        return null;
                }
            }
        }

        var isBind = IsPathLike(source);
        return new ServiceVolume(isBind ? VolumeType.Bind : VolumeType.Volume, source, target, readOnly)
        {
            Consistency = consistency,
            BindCreateHostPath = isBind ? true : null,
            BindSelinux = isBind ? selinux : null,
            BindPropagation = isBind ? propagation : null,
            VolumeNoCopy = !isBind && nocopy ? true : null,
        };
    }

    private static ServiceVolume? Fail(string message, out string? error)
    {
        error = message;
        return null;
    }

    private static List<string> SplitVolume(string text)
    {
        // A Windows drive letter (C:\data) is part of the path, not a separator.
        var parts = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == ':' && !(current.Length == 1 && char.IsAsciiLetter(current[0]) && i + 1 < text.Length && text[i + 1] == '\\' && parts.Count == 0))
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }

            current.Append(c);
        }

        parts.Add(current.ToString());
        return parts;
    }

    public static bool IsAbsolute(string path) => path.StartsWith('/') || (path.Length > 2 && path[1] == ':' && path[2] is '\\' or '/');

    public static bool IsPathLike(string source) => source.StartsWith('/') || source.StartsWith('.') || source.StartsWith('~') || IsAbsolute(source);

    /// <summary>Splits a command string like a POSIX shell (what compose does with shlex).</summary>
    public static IReadOnlyList<string>? SplitShellWords(string text, out string? error)
    {
        error = null;
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(text[++i]);
            }
            else if (c == '\'')
            {
                var close = text.IndexOf('\'', i + 1);
                if (close < 0)
                {
                    error = $"expected a closing ' in '{text}'";
                    return null;
                }

                current.Append(text, i + 1, close - i - 1);
                i = close;
            }
            else if (c == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        i++;
                    }

                    current.Append(text[i]);
                    i++;
                }

                if (i >= text.Length)
                {
                    error = $"expected a closing \" in '{text}'";
                    return null;
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>A <c>devices</c> entry, "HOST_PATH[:CONTAINER_PATH[:CGROUP_PERMISSIONS]]" (the container path defaults to
    /// the host path, the permissions to the engine's "rwm"). CDI names ("vendor.com/class=name") need a newer engine
    /// API than the v1.41 Tidegate speaks, so they are reported rather than passed on.</summary>
    public static DeviceSpec? ParseDevice(string text, out string? error)
    {
        error = null;
        if (!text.StartsWith('/') && text.Contains('=', StringComparison.Ordinal))
        {
            error = $"expected HOST_PATH:CONTAINER_PATH[:PERMISSIONS], got the CDI device name '{text}' (CDI devices need Docker Engine API 1.45; Tidegate speaks 1.41)";
            return null;
        }

        var parts = text.Split(':');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0))
        {
            error = $"expected HOST_PATH:CONTAINER_PATH[:PERMISSIONS], got '{text}'";
            return null;
        }

        var host = parts[0];
        var container = parts.Length > 1 ? parts[1] : host;
        var permissions = parts.Length > 2 ? parts[2] : null;
        if (parts.Length == 2 && IsCgroupPermissions(parts[1]) && !parts[1].StartsWith('/'))
        {
            // "/dev/fuse:rwm": the container path is the host path.
            container = host;
            permissions = parts[1];
        }

        if (!host.StartsWith('/') || !container.StartsWith('/'))
        {
            error = $"expected absolute device paths (HOST_PATH:CONTAINER_PATH[:PERMISSIONS]), got '{text}'";
            return null;
        }

        if (permissions is not null && !IsCgroupPermissions(permissions))
        {
            error = $"expected device permissions made of r, w and m (such as rwm), got '{permissions}' in '{text}'";
            return null;
        }

        return new DeviceSpec(host, container, permissions);
    }

    /// <summary>A <c>platform</c>: "os[/arch[/variant]]" in the OCI image index's lower-case names (linux, linux/amd64, linux/arm64/v8).</summary>
    public static bool IsPlatform(string text) => Platform().IsMatch(text);

    private static bool IsCgroupPermissions(string text) => text.Length is > 0 and <= 3 && text.All(c => c is 'r' or 'w' or 'm') && text.Distinct().Count() == text.Length;

    [GeneratedRegex(@"^[a-z0-9_.-]+(/[a-z0-9_.-]+(/[a-z0-9_.-]+)?)?$")]
    private static partial Regex Platform();

    [GeneratedRegex(@"(\d+(?:\.\d+)?|\.\d+)(h|ms|m|s|us|µs|ns)")]
    private static partial Regex DurationPart();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$")]
    private static partial Regex ByteSize();
}

/// <summary>One parsed <c>devices</c> entry; a null permission leaves the engine's default (rwm).</summary>
internal sealed record DeviceSpec(string PathOnHost, string PathInContainer, string? CgroupPermissions);
