namespace Tidegate.Core.Edge;

/// <summary>Where and how the edge runs. The local default is Debian's haproxy as a daemon managed by Tidegate,
/// with its configuration, Runtime API socket, pid file and maintenance map under <see cref="Directory"/>.</summary>
internal sealed record EdgeOptions
{
    /// <summary>Off: no edge (strategies that need one refuse with a clear error).</summary>
    public bool Enabled { get; init; } = true;

    public required string Directory { get; init; }

    /// <summary>The haproxy executable (process mode).</summary>
    public string Executable { get; init; } = "haproxy";

    /// <summary>The unprivileged user HAProxy switches to after binding its sockets and reading its files, when Tidegate
    /// runs as root and the user exists (Debian's haproxy package creates <c>haproxy</c>). Empty: keep Tidegate's user.</summary>
    public string User { get; init; } = "haproxy";

    /// <summary>Production alternative documented in docs/edge.md: the official image run as a host-network
    /// container with <see cref="Directory"/> bind-mounted. Not used by the process mode.</summary>
    public string Image { get; init; } = "haproxy:2.6";

    /// <summary>How long a drained server may keep connections before it is taken out anyway.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>HAProxy health-check interval for servers (milliseconds).</summary>
    public int CheckIntervalMs { get; init; } = 1000;

    /// <summary>The configuration HAProxy runs with: only ever replaced by a candidate that <c>haproxy -c</c> accepted.</summary>
    public string ConfigPath => Path.Combine(Directory, "haproxy.cfg");

    public string SocketPath => Path.Combine(Directory, "admin.sock");

    public string PidPath => Path.Combine(Directory, "haproxy.pid");

    public string RegistryPath => Path.Combine(Directory, "edge.json");

    /// <summary>Blue-green colors parked after a rollout (kept for a switch back), so a restart does not forget them.</summary>
    public string ParkedPath => Path.Combine(Directory, "parked.json");

    public string MaintenanceMapPath => Path.Combine(Directory, "maintenance.map");

    public string MaintenancePagePath => Path.Combine(Directory, "maintenance.html");
}
