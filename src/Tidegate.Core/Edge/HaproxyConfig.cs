using System.Globalization;
using System.Text;

namespace Tidegate.Core.Edge;

/// <summary>Renders haproxy.cfg from the registry. Servers come and go through the Runtime API; the rendered file
/// only carries the servers that exist when a reload is unavoidable (a new or removed entry), so the new process
/// starts with the same servers, weights and states. Every name, path and address is checked again here
/// (<see cref="EdgeNames"/>): the renderer refuses what it cannot write safely, it never escapes.</summary>
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

    /// <param name="runAs">The unprivileged user and group HAProxy switches to once it has bound its sockets and read its
    /// files (null: it keeps Tidegate's user).</param>
    public static string Render(EdgeOptions options, EdgeRegistry registry, IReadOnlyDictionary<string, IReadOnlyList<EdgeServerLine>> servers,
        EdgeProcessUser? runAs = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(servers);
        EdgeNames.EnsureFilePath(options.SocketPath, "Runtime API socket");
        EdgeNames.EnsureFilePath(options.MaintenancePagePath, "maintenance page");
        EdgeNames.EnsureFilePath(options.MaintenanceMapPath, "maintenance map");
        EdgeNames.EnsureProxyName(registry.CookieKey, "cookie key");
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"""
            # Written by Tidegate from its edge registry; servers are managed through the Runtime API.
            global
                stats socket {options.SocketPath} mode 600 level admin expose-fd listeners
                stats timeout 30s
                maxconn 4096

            """);
        if (runAs is { } user)
        {
            // Numeric, so nothing is looked up by name inside HAProxy; it switches after binding and reading its files.
            s.Append(CultureInfo.InvariantCulture, $"    uid {user.Uid}\n    gid {user.Gid}\n");
        }

        s.Append(CultureInfo.InvariantCulture, $"""

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
            EdgeNames.Ensure(e);
            EdgeNames.EnsureProxyName(e.Frontend, "frontend");
            EdgeNames.EnsureProxyName(e.Backend, "backend");
            EdgeNames.EnsureProxyName(e.Cookie, "cookie");
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
                        cookie {e.Cookie} insert indirect nocache dynamic
                        dynamic-cookie-key {registry.CookieKey}

                    """);
            }

            foreach (var server in servers.TryGetValue(e.Backend, out var list) ? list : [])
            {
                EdgeNames.EnsureProxyName(server.Name, "server");
                if (EdgeNames.NormalizeListen(server.Address) != server.Address || server.Weight is < 0 or > 256)
                {
                    throw new EdgeNameException($"The edge refuses the server {server.Name} at {EdgeNames.Printable(server.Address)} with weight {server.Weight}.");
                }

                s.Append(CultureInfo.InvariantCulture,
                    $"    server {server.Name} {server.Address} weight {server.Weight} check inter {options.CheckIntervalMs} fall 3 rise 1{HaproxyEdge.MaxConn(e)}{(server.Disabled ? " disabled" : string.Empty)}\n");
            }
        }

        return s.ToString();
    }

    public static string MaintenanceMap(EdgeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return string.Concat(registry.Entries.Where(e => registry.Maintenance.Contains(e.Owner))
            .Select(e => EdgeNames.EnsureProxyName(e.Frontend, "frontend") + " 1\n"));
    }
}

/// <summary>The numeric user and group HAProxy runs as after start-up (<c>uid</c>/<c>gid</c> in the global section).</summary>
internal sealed record EdgeProcessUser(string Name, int Uid, int Gid);

/// <summary>A server as written into the file on a reload.</summary>
internal sealed record EdgeServerLine(string Name, string Address, int Weight, bool Disabled);
