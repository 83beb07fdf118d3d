using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Tidegate.Core.Edge;

/// <summary>A name or value the edge refuses to put into haproxy.cfg or a Runtime API command.</summary>
internal sealed class EdgeNameException(string message) : Exception(message);

/// <summary>
/// What may reach the HAProxy configuration and the Runtime API. Every name is checked against a strict character set
/// where it enters (the stack parser reports a file/line diagnostic) and again by the builders, which refuse instead of
/// escaping: HAProxy's configuration language splits on spaces, treats quotes, backslashes, '#' and '$' specially, and
/// the Runtime API runs several commands separated by ';' — a name carrying any of them could add directives or commands.
/// <para>Proxy names are <c>{deployment}.{service}.{port}.{environment}</c>: a deployment name and an environment id
/// contain no '.', the port is digits, so the tuple can be read back from the name and two different tuples never give
/// the same name (a service name may contain dots; it sits between the two fixed ends).</para>
/// </summary>
internal static partial class EdgeNames
{
    // Patterns end in \z, not $: '$' also matches before a final newline, which is exactly what must not pass.
    public const int MaxNameLength = 63;
    public const int MaxPathLength = 256;

    /// <summary>Deployment names are Compose project names: lower-case letters, digits, '-' and '_'.</summary>
    public static bool IsDeployment(string? value) => value is { Length: > 0 and <= MaxNameLength } && DeploymentPattern().IsMatch(value);

    /// <summary>Compose service names (letters, digits, '.', '-', '_', starting with a letter or digit).</summary>
    public static bool IsService(string? value) => value is { Length: > 0 and <= MaxNameLength } && ServicePattern().IsMatch(value);

    /// <summary>Environment ids as the store makes them (hex), or any id of letters, digits, '-' and '_'. Empty: an entry
    /// registered before entries carried their environment.</summary>
    public static bool IsEnvironment(string? value) => value is not null && (value.Length == 0 || (value.Length <= 64 && EnvironmentPattern().IsMatch(value)));

    /// <summary>An absolute URL path with an optional query, of unreserved characters, sub-delimiters without quotes or
    /// ';', ':', '@', '/', '?' and %-escapes: no space, quote, backslash, '#', '$' or control character.</summary>
    public static bool IsHealthPath(string? value) => value is { Length: > 0 and <= MaxPathLength } && HealthPathPattern().IsMatch(value);

    /// <summary>HAProxy proxy, server and cookie names: letters, digits, '-', '_', '.' (a subset of what HAProxy allows).</summary>
    public static bool IsProxyName(string? value) => value is { Length: > 0 and <= 256 } && ProxyNamePattern().IsMatch(value);

    /// <summary>A file path written into haproxy.cfg or a Runtime API command (the edge directory is the admin's setting).</summary>
    public static bool IsFilePath(string? value) => value is { Length: > 1 and <= 1024 } && value[0] == '/' && FilePathPattern().IsMatch(value);

    /// <summary>The listen address as HAProxy's bind takes it: <c>IPv4:port</c>, <c>[IPv6]:port</c>, or a bare port (every
    /// IPv4 interface, as Compose's short port syntax); port 1-65535. Null when <paramref name="value"/> is none of them.</summary>
    public static string? NormalizeListen(string? value)
    {
        if (value is null || value.Length is 0 or > 64)
        {
            return null;
        }

        if (PortPattern().IsMatch(value))
        {
            return Port(value) is { } bare ? "0.0.0.0:" + bare.ToString(CultureInfo.InvariantCulture) : null;
        }

        if (value.StartsWith('['))
        {
            var close = value.IndexOf("]:", StringComparison.Ordinal);
            return close > 1 && IPAddress.TryParse(value.AsSpan(1, close - 1), out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
                   && Ipv6Pattern().IsMatch(value[1..close]) && PortPattern().IsMatch(value[(close + 2)..]) && Port(value[(close + 2)..]) is { } p6
                ? $"[{value[1..close]}]:{p6.ToString(CultureInfo.InvariantCulture)}"
                : null;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !Ipv4Pattern().IsMatch(value[..colon]) || !PortPattern().IsMatch(value[(colon + 1)..]))
        {
            return null;
        }

        // Each octet 0-255 without leading zeros (so "010" cannot mean 8 to one parser and 10 to another).
        var octets = value[..colon].Split('.');
        if (octets.Any(o => (o.Length > 1 && o[0] == '0') || int.Parse(o, CultureInfo.InvariantCulture) > 255))
        {
            return null;
        }

        return Port(value[(colon + 1)..]) is { } port ? $"{value[..colon]}:{port.ToString(CultureInfo.InvariantCulture)}" : null;
    }

    /// <summary>Two listen addresses that HAProxy could both bind but that would take each other's traffic: the same port on
    /// the same address, or on a wildcard address and any other (SO_REUSEPORT lets both bind; the specific one wins).</summary>
    public static bool SameSocket(string a, string b)
    {
        static (string Host, string Port) Split(string listen)
        {
            var colon = listen.LastIndexOf(':');
            return (listen[..colon], listen[(colon + 1)..]);
        }

        var (hostA, portA) = Split(a);
        var (hostB, portB) = Split(b);
        return portA == portB && (hostA == hostB || hostA is "0.0.0.0" or "[::]" || hostB is "0.0.0.0" or "[::]");
    }

    /// <summary>The injective key of an entry: <c>{deployment}.{service}.{port}.{environment}</c>.</summary>
    public static string Key(string environment, string deployment, string service, int port) =>
        $"{deployment}.{service}.{port.ToString(CultureInfo.InvariantCulture)}.{environment}";

    /// <summary>Who owns entries in the registry and the maintenance set: a deployment of an environment.</summary>
    public static string Owner(string environment, string deployment) => $"{deployment}.{environment}";

    /// <summary>Refuses an entry the builders must not write (see <see cref="Problems"/>).</summary>
    public static void Ensure(EdgeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var problems = Problems(entry);
        if (problems.Count > 0)
        {
            throw new EdgeNameException($"The edge refuses the entry {Printable(entry.Deployment)}/{Printable(entry.Service)}: {string.Join("; ", problems)}.");
        }
    }

    public static IReadOnlyList<string> Problems(EdgeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var problems = new List<string>();
        if (!IsDeployment(entry.Deployment))
        {
            problems.Add("the deployment name is not a Compose project name");
        }

        if (!IsEnvironment(entry.Environment))
        {
            problems.Add("the environment id has characters other than letters, digits, '-' and '_'");
        }

        if (!IsService(entry.Service))
        {
            problems.Add("the service name has characters other than letters, digits, '.', '-' and '_'");
        }

        if (entry.Port is < 1 or > 65535)
        {
            problems.Add("the port is not 1-65535");
        }

        if (NormalizeListen(entry.Listen) != entry.Listen)
        {
            problems.Add("the listen address is not IPv4:port or [IPv6]:port");
        }

        if (!IsHealthPath(entry.HealthPath))
        {
            problems.Add("the health path is not an absolute URL path of safe characters");
        }

        if (entry.RetryAfterSeconds is < 1 or > 86_400 || entry.MaxConnPerServer is < 1 or > 100_000 || entry.ServerTimeoutMs is < 100 or > 3_600_000)
        {
            problems.Add("retryAfter, maxconn or serverTimeout is out of bounds");
        }

        return problems;
    }

    /// <summary>Refuses a name for a proxy, server or cookie that is not of the strict set.</summary>
    public static string EnsureProxyName(string name, string what) =>
        IsProxyName(name) ? name : throw new EdgeNameException($"The edge refuses the {what} name {Printable(name)}: only letters, digits, '-', '_' and '.' are allowed.");

    public static string EnsureFilePath(string path, string what) =>
        IsFilePath(path) ? path : throw new EdgeNameException($"The edge refuses the {what} path {Printable(path)}: an absolute path of letters, digits, '/', '.', '-' and '_' is needed.");

    /// <summary>A value for a message, with control characters made visible and a bounded length.</summary>
    public static string Printable(string? value)
    {
        if (value is null)
        {
            return "(none)";
        }

        var text = string.Concat(value.Take(80).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return "'" + text + (value.Length > 80 ? "…" : string.Empty) + "'";
    }

    private static int? Port(string digits) =>
        digits.Length <= 5 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535 ? p : null;

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex DeploymentPattern();

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9._-]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ServicePattern();

    [GeneratedRegex("^[a-zA-Z0-9_-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentPattern();

    [GeneratedRegex("^/(?:[A-Za-z0-9._~!*+,=:@&/?-]|%[0-9A-Fa-f]{2})*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex HealthPathPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ProxyNamePattern();

    [GeneratedRegex("^[A-Za-z0-9/._-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex FilePathPattern();

    [GeneratedRegex("^[0-9]{1,5}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex PortPattern();

    [GeneratedRegex(@"^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4Pattern();

    [GeneratedRegex("^[0-9A-Fa-f:.]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6Pattern();
}
