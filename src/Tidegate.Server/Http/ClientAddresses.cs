using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Tidegate.Server.Http;

/// <summary>Who the client is, for the login throttle, the rate limit and the audit log. Behind a reverse proxy every
/// connection comes from the proxy, so X-Forwarded-For and X-Forwarded-Proto are read, but only from the proxies listed
/// in <c>Server:TrustedProxies</c>: a header from anyone else would let any client choose its own address (and so escape
/// the login throttle or forge the audit trail). Nothing is trusted by default, loopback included.</summary>
internal static class ClientAddresses
{
    /// <summary>An IP address (one host) or a CIDR network such as 10.0.0.0/24.</summary>
    public static bool TryParseNetwork(string? text, out System.Net.IPNetwork network)
    {
        network = default;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return System.Net.IPNetwork.TryParse(text, out network);
        }
        if (!IPAddress.TryParse(text, out var address))
        {
            return false;
        }
        network = new System.Net.IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    public static IServiceCollection AddTrustedProxies(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ServerOptions>>((o, server) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default; here only the configured list counts.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var entry in server.Value.Server.TrustedProxies)
            {
                if (TryParseNetwork(entry, out var network))
                {
                    o.KnownIPNetworks.Add(network);
                    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
                    if (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
                    {
                        o.KnownIPNetworks.Add(new System.Net.IPNetwork(network.BaseAddress.MapToIPv6(), network.PrefixLength + 96));
                    }
                }
            }
            // Each hop is checked against the list, so a chain of trusted proxies is followed to the first untrusted address.
            o.ForwardLimit = null;
        });
        return services;
    }

    /// <summary>First in the pipeline, so authentication, the throttle and the audit see the real client. Nothing when no proxy is trusted.</summary>
    public static void UseTrustedProxies(this WebApplication app)
    {
        // Read from configuration, not the options: their validation belongs to the start, not to building the pipeline.
        if (app.Configuration.GetSection("Server:TrustedProxies").GetChildren().Any())
        {
            app.UseForwardedHeaders();
        }
    }
}
