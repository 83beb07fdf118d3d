using System.Globalization;
using System.Text;

namespace Tidegate.Core.Edge;

/// <summary>Renders haproxy.cfg from the registry. Servers come and go through the Runtime API; the rendered file
/// only carries the servers that exist when a reload is unavoidable (a new or removed entry), so the new process
/// starts with the same servers, weights and states.</summary>
internal static class HaproxyConfig
{
    public const string MaintenancePage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Maintenance</title></head>
        <body style="font-family:sans-serif;max-width:40em;margin:4em auto">
        <h1>Down for maintenance</h1>
        <p>This service is being maintained and will be back shortly. Please try again in a moment.</p>
        </body></html>

        """;

    public static string Render(EdgeOptions options, EdgeRegistry registry, IReadOnlyDictionary<string, IReadOnlyList<EdgeServerLine>> servers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"""
            # Written by Tidegate from {options.RegistryPath}; servers are managed through the Runtime API.
            global
                stats socket {options.SocketPath} mode 600 level admin expose-fd listeners
                stats timeout 30s
                maxconn 4096

            defaults
                mode http
                option dontlognull
                timeout connect 2s
                timeout client 30s
                timeout server 30s
                timeout http-request 10s
                timeout queue 10s
                timeout check 2s
                retries 3
                option redispatch 1
                retry-on all-retryable-errors

            """);
        foreach (var e in registry.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            s.Append('\n');
            s.Append(CultureInfo.InvariantCulture, $$"""
                frontend {{e.Frontend}}
                    bind {{e.Listen}}
                    http-request return status 503 content-type "text/html; charset=utf-8" file {{options.MaintenancePagePath}} hdr Retry-After {{e.RetryAfterSeconds}} if { fe_name,map({{options.MaintenanceMapPath}}) -m found }
                    default_backend {{e.Backend}}

                backend {{e.Backend}}
                    balance roundrobin
                    option httpchk GET {{e.HealthPath}}
                    http-request disable-l7-retry if !METH_GET !METH_HEAD

                """);
            if (e.ServerTimeoutMs is { } timeout)
            {
                s.Append(CultureInfo.InvariantCulture, $"    timeout server {timeout}ms\n");
            }

            if (e.Sticky)
            {
                s.Append(CultureInfo.InvariantCulture, $"""
                        cookie TG_{e.Key} insert indirect nocache dynamic
                        dynamic-cookie-key {registry.CookieKey}

                    """);
            }

            foreach (var server in servers.TryGetValue(e.Backend, out var list) ? list : [])
            {
                s.Append(CultureInfo.InvariantCulture,
                    $"    server {server.Name} {server.Address} weight {server.Weight} check inter {options.CheckIntervalMs} fall 3 rise 1{HaproxyEdge.MaxConn(e)}{(server.Disabled ? " disabled" : string.Empty)}\n");
            }
        }

        return s.ToString();
    }

    public static string MaintenanceMap(EdgeRegistry registry) =>
        string.Concat(registry.Entries.Where(e => registry.Maintenance.Contains(e.Deployment)).Select(e => e.Frontend + " 1\n"));
}

/// <summary>A server as written into the file on a reload.</summary>
internal sealed record EdgeServerLine(string Name, string Address, int Weight, bool Disabled);
