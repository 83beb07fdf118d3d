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

    /// <summary>Host names or IP literals http observers may fetch (compared case-insensitively, exactly). An address that is
    /// loopback, link-local, unspecified, multicast or a cloud metadata address is refused unless its IP literal is listed here.</summary>
    public IReadOnlyList<string> AllowedHttpHosts { get; init; } = [];

    /// <summary>Whether a stack's observer (catalog author) may use match: regex. Off by default.</summary>
    public bool AllowCatalogRegex { get; init; }

    /// <summary>Largest file a file observer reads (content comparison); a larger one is an error, not a partial read.</summary>
    public int MaxFileBytes { get; init; } = 4096;

    /// <summary>Largest http body read (body and jsonPath sources); a larger one is an error.</summary>
    public int MaxHttpBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Null when the file observer may look at <paramref name="path"/>; otherwise the refusal (naming the path and the
    /// rule, never whether the file exists).</summary>
    public ObserverError? FileRefusal(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
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
        return real is null || !UnderAny(real, realRoots) || UnderAny(real, realForbidden)
            ? ObserverErrors.FileNotAllowed($"'{path}' resolves (through a link) outside the allowed roots")
            : null;
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
    /// ones (loopback, link-local, unspecified, multicast, metadata) only when the admin listed that IP literal itself.</summary>
    public ObserverError? AddressRefusal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return ObserverAddresses.IsSpecial(address) && !IsListed(address.ToString())
            ? ObserverErrors.AddressNotAllowed($"the host resolves to {ObserverAddresses.Describe(address)} address {address}, which is not listed in Observers:AllowedHttpHosts")
            : null;
    }

    private bool IsListed(string host)
    {
        var bare = host.Trim('[', ']');
        return AllowedHttpHosts.Any(h => string.Equals(h.Trim().Trim('[', ']'), bare, StringComparison.OrdinalIgnoreCase));
    }

    internal static bool UnderAny(string path, IEnumerable<string> roots) => roots.Any(r => RealPaths.IsBelow(r, path));
}

/// <summary>The special address ranges an http observer does not reach unless allowed by IP literal.</summary>
internal static class ObserverAddresses
{
    private static readonly IPAddress[] Metadata =
    [
        IPAddress.Parse("169.254.169.254"), // AWS, GCP, Azure, OpenStack
        IPAddress.Parse("100.100.100.200"), // Alibaba Cloud
        IPAddress.Parse("fd00:ec2::254"), // AWS over IPv6
    ];

    public static bool IsSpecial(IPAddress address) => Describe(address) is not null;

    /// <summary>The kind of special address, or null for an ordinary one.</summary>
    public static string? Describe(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (Metadata.Any(address.Equals))
        {
            return "a cloud metadata";
        }

        if (IPAddress.IsLoopback(address))
        {
            return "a loopback";
        }

        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return "an unspecified";
        }

        if (address.IsIPv6LinkLocal || address.IsIPv6Multicast || address.IsIPv6SiteLocal)
        {
            return "a link-local or multicast";
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            // 0.0.0.0/8 (this network), 169.254/16 (link-local), 224/4 (multicast) and 240/4 (reserved).
            if (b[0] == 0 || b[0] == 169 && b[1] == 254 || b[0] >= 224)
            {
                return b[0] == 169 ? "a link-local" : b[0] == 0 ? "an unspecified" : "a multicast or reserved";
            }
        }

        return null;
    }
}
