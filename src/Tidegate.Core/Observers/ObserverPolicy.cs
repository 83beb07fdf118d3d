using System.Net;
using Tidegate.Core.FileSystem;

namespace Tidegate.Core.Observers;

/// <summary>Who configured an observer, which bounds what it may do: regular expressions only for <see cref="Admin"/> (or for
/// <see cref="Catalog"/> when the server allows it); connection strings only by reference to an environment secret.</summary>
internal enum ObserverAuthor
{
    /// <summary>An operator or a deployment-scoped token through the API (also every API row stored before authorship was recorded).</summary>
    Operator,

    /// <summary>An admin through the API.</summary>
    Admin,

    /// <summary>The stack's x-tidegate.maintenanceObserver: whoever can write to the catalog source.</summary>
    Catalog,
}

/// <summary>What the admin allows observers to reach, from the server configuration (<c>Observers:*</c>). Nothing is implied:
/// without <see cref="FileRoots"/> no file observer runs, without <see cref="AllowedHttpHosts"/> no http observer does.</summary>
internal sealed record ObserverPolicy
{
    public static readonly ObserverPolicy None = new();

    /// <summary>Directories (absolute) below which file observers may look. Both the path as written and its real path (symlinks
    /// and <c>..</c> resolved) must be below one of them.</summary>
    public IReadOnlyList<string> FileRoots { get; init; } = [];

    /// <summary>Directories never observed even below a root: the data directory (secret key, store) and the kernel's views.</summary>
    public IReadOnlyList<string> ForbiddenRoots { get; init; } = ["/proc", "/sys", "/dev"];

    /// <summary>Host names or IP literals http observers may fetch (compared case-insensitively, exactly). A special address
    /// (<see cref="ObserverAddresses.Describe"/>: loopback, private, link-local, unspecified, multicast, cloud metadata, or an IPv6
    /// address carrying one of those IPv4 addresses) is refused unless its IP literal is listed here.</summary>
    public IReadOnlyList<string> AllowedHttpHosts { get; init; } = [];

    /// <summary>Names of the environment secret variables SQL observers may use as their connection string (exactly, case-sensitive).
    /// None: SQL observers are off. The application's own database credentials are never among them unless the admin lists them.</summary>
    public IReadOnlyList<string> ConnectionSecrets { get; init; } = [];

    /// <summary>Whether a stack's observer (catalog author) may use match: regex. Off by default.</summary>
    public bool AllowCatalogRegex { get; init; }

    /// <summary>Largest file a file observer reads (content comparison); a larger one is an error, not a partial read.</summary>
    public int MaxFileBytes { get; init; } = 4096;

    /// <summary>Largest http body read (body and jsonPath sources); a larger one is an error.</summary>
    public int MaxHttpBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Null when the file observer may look at <paramref name="path"/>; otherwise the refusal (naming the path and the
    /// rule, never whether the file exists).</summary>
    public ObserverError? FileRefusal(string path) => FileRefusal(path, out _);

    /// <summary>As <see cref="FileRefusal(string)"/>; when allowed, <paramref name="realPath"/> is the path with every link
    /// resolved (below an allowed root), the one a probe looks at without following links again.</summary>
    public ObserverError? FileRefusal(string path, out string? realPath)
    {
        ArgumentNullException.ThrowIfNull(path);
        realPath = null;
        if (FileRoots.Count == 0)
        {
            return ObserverErrors.FileNotAllowed("no file roots are configured (Observers:FileRoots), so file observers are off");
        }

        if (!Path.IsPathFullyQualified(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            return ObserverErrors.FileNotAllowed("the path must be absolute");
        }

        // First as written (nothing outside the roots is even looked at), then as the file system resolves it.
        var written = Path.GetFullPath(path);
        if (!UnderAny(written, FileRoots) || UnderAny(written, ForbiddenRoots))
        {
            return ObserverErrors.FileNotAllowed($"'{path}' is not below an allowed root ({string.Join(", ", FileRoots)})");
        }

        var real = RealPaths.Resolve(written);
        var realRoots = FileRoots.Select(r => RealPaths.Resolve(Path.GetFullPath(r))).OfType<string>().ToList();
        var realForbidden = ForbiddenRoots.Select(r => RealPaths.Resolve(Path.GetFullPath(r))).OfType<string>().ToList();
        if (real is null || !UnderAny(real, realRoots) || UnderAny(real, realForbidden))
        {
            return ObserverErrors.FileNotAllowed($"'{path}' resolves (through a link) outside the allowed roots");
        }

        realPath = real;
        return null;
    }

    /// <summary>Null when a SQL observer may use the environment secret <paramref name="name"/> (it is listed in
    /// <see cref="ConnectionSecrets"/>); otherwise the same refusal as for a secret the environment lacks.</summary>
    public ObserverError? SecretRefusal(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ConnectionSecrets.Contains(name, StringComparer.Ordinal) ? null : ObserverErrors.SecretMissing(name);
    }

    /// <summary>Null when an http observer may fetch <paramref name="url"/> (its host is listed); the addresses it resolves to are
    /// checked at connect time (<see cref="AddressRefusal"/>).</summary>
    public ObserverError? HostRefusal(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (AllowedHttpHosts.Count == 0)
        {
            return ObserverErrors.HostNotAllowed("no hosts are allowed (Observers:AllowedHttpHosts), so http observers are off");
        }

        return IsListed(url.IdnHost) ? null : ObserverErrors.HostNotAllowed($"host '{url.Host}' is not in Observers:AllowedHttpHosts");
    }

    /// <summary>Null when a connection to <paramref name="address"/> may be made: ordinary addresses of an allowed host are; special
    /// ones (<see cref="ObserverAddresses.Describe"/>) only when the admin listed that IP literal itself (an IPv4-mapped address
    /// by its IPv4 literal).</summary>
    public ObserverError? AddressRefusal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return ObserverAddresses.Describe(address) is { } special && !IsListed(address.ToString())
            ? ObserverErrors.AddressNotAllowed($"the host resolves to {special} address {address}, which is not listed in Observers:AllowedHttpHosts")
            : null;
    }

    private bool IsListed(string host)
    {
        var bare = host.Trim('[', ']');
        return AllowedHttpHosts.Any(h => string.Equals(h.Trim().Trim('[', ']'), bare, StringComparison.OrdinalIgnoreCase));
    }

    internal static bool UnderAny(string path, IEnumerable<string> roots) => roots.Any(r => RealPaths.IsBelow(r, path));
}

/// <summary>The special address ranges an http observer does not reach unless allowed by IP literal: everything that is not an
/// ordinary public address, including an IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4), which is
/// judged by that IPv4 address.</summary>
internal static class ObserverAddresses
{
    private static readonly IPAddress[] Metadata =
    [
        IPAddress.Parse("169.254.169.254"), // AWS, GCP, Azure, OpenStack
        IPAddress.Parse("100.100.100.200"), // Alibaba Cloud
        IPAddress.Parse("fd00:ec2::254"), // AWS over IPv6
    ];

    /// <summary>The kind of special address (for the message, e.g. "a private"), or null for an ordinary one.</summary>
    public static string? Describe(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (Metadata.Any(address.Equals))
        {
            return "a cloud metadata";
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return DescribeV4(address.GetAddressBytes());
        }

        if (IPAddress.IsLoopback(address))
        {
            return "a loopback";
        }

        if (address.Equals(IPAddress.IPv6Any))
        {
            return "an unspecified";
        }

        if (address.IsIPv6LinkLocal || address.IsIPv6Multicast || address.IsIPv6SiteLocal)
        {
            return "a link-local or multicast";
        }

        var b = address.GetAddressBytes();
        if ((b[0] & 0xfe) == 0xfc)
        {
            return "a unique-local (private)";
        }

        return EmbeddedV4(b) is { } v4 && DescribeV4(v4) is { } inner ? inner + " (IPv4 inside IPv6)" : null;
    }

    /// <summary>The IPv4 address an IPv6 one carries: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64
    /// (64:ff9b::/96) or 6to4 (2002:aabb:ccdd::/48); null otherwise.</summary>
    internal static byte[]? EmbeddedV4(byte[] b)
    {
        if (b.Length != 16)
        {
            return null;
        }

        var zeros10 = b.Take(10).All(x => x == 0);
        if (zeros10 && (b[10] == 0xff && b[11] == 0xff || b[10] == 0 && b[11] == 0))
        {
            return b[12..16];
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Skip(4).Take(8).All(x => x == 0))
        {
            return b[12..16];
        }

        return b[0] == 0x20 && b[1] == 0x02 ? b[2..6] : null;
    }

    private static string? DescribeV4(byte[] b) => b switch
    {
        [0, ..] => "an unspecified",
        [127, ..] => "a loopback",
        [10, ..] or [172, >= 16 and <= 31, ..] or [192, 168, ..] => "a private",
        [100, >= 64 and <= 127, ..] => "a carrier-grade NAT (shared)",
        [169, 254, ..] => "a link-local",
        [>= 224, ..] => "a multicast or reserved",
        _ => null,
    };
}
