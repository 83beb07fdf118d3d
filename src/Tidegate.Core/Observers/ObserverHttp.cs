using System.Net;
using System.Net.Sockets;

namespace Tidegate.Core.Observers;

/// <summary>The HTTP client of http observers: it connects only to addresses <see cref="ObserverPolicy.AddressRefusal"/> accepts,
/// checked on the addresses DNS gives at connect time (a name that later resolves to 127.0.0.1 or 169.254.169.254 is caught: DNS
/// rebinding), goes through no proxy, follows no redirect and keeps no cookies.</summary>
internal static class ObserverHttp
{
    public static HttpClient CreateClient(ObserverPolicy policy) => new(CreateHandler(policy)) { Timeout = Timeout.InfiniteTimeSpan };

    public static SocketsHttpHandler CreateHandler(ObserverPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxResponseHeadersLength = 16,
            ConnectCallback = (context, ct) => ConnectAsync(policy, context.DnsEndPoint, ct),
        };
    }

    private static async ValueTask<Stream> ConnectAsync(ObserverPolicy policy, DnsEndPoint endpoint, CancellationToken ct)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        }
        catch (SocketException)
        {
            throw new ObserverProbeException(ObserverErrors.HttpUnreachable);
        }

        var allowed = addresses.Where(a => policy.AddressRefusal(a) is null).ToArray();
        if (allowed.Length == 0)
        {
            throw new ObserverProbeException(addresses.Length == 0 ? ObserverErrors.HttpUnreachable : policy.AddressRefusal(addresses[0])!);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>What an author may configure, beyond what the parser checks: file paths below the allowed roots, http hosts and
/// connection secrets the admin lists, and regular expressions only for admins (or catalog authors when <see cref="ObserverPolicy.AllowCatalogRegex"/>).
/// Field errors, as the API answers them (400).</summary>
internal static class ObserverRules
{
    public static IReadOnlyDictionary<string, string[]> Check(ObserverSettings settings, ObserverAuthor author, ObserverPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (settings.Match == ValueMatch.Regex && !(author == ObserverAuthor.Admin || author == ObserverAuthor.Catalog && policy.AllowCatalogRegex))
        {
            errors["match"] = [author == ObserverAuthor.Catalog
                ? "match: regex is not allowed in a stack's observer unless the server allows it (Observers:AllowCatalogRegex); use exact values"
                : "match: regex is for admins only; operators compare exact values (or exists/missing for files)"];
        }

        if (settings.Type == ObserverType.File && policy.FileRefusal(settings.Path!) is { } file)
        {
            errors["path"] = [file.Message];
        }

        if (settings.ConnectionSecret is { } secret && policy.SecretRefusal(secret) is { } unlisted)
        {
            errors["connectionSecret"] = [unlisted.Message];
        }

        if (settings.Type == ObserverType.Http && policy.HostRefusal(new Uri(settings.Url!)) is { } host)
        {
            errors["url"] = [host.Message];
        }

        return errors;
    }
}
