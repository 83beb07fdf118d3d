using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Tidegate.Core.Edge;

/// <summary>A failure to start, reload or steer the edge.</summary>
internal sealed class EdgeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The HAProxy edge run as a daemon that outlives Tidegate. Start adopts a running instance (its Runtime API
/// answers) or starts one; the configuration is only rewritten and reloaded (seamlessly: listening sockets are
/// handed over with -x, the old process finishes its connections with -sf) when the set of entries changes, and
/// never during a traffic switch. Everything a rollout does — add and remove servers, weights, drain, ready,
/// maintenance page — goes through the Runtime API. Names reach neither the file nor a command unless they are of the
/// strict set of <see cref="EdgeNames"/>; a configuration is only saved once HAProxy accepted it.
/// </summary>
internal sealed class HaproxyEdge : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly EdgeOptions _options;
    private readonly TimeProvider _time;
    private readonly HaproxyProcess _process;
    private readonly HaproxyConfigInstaller _installer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private EdgeRegistry _registry = new();
    private bool _loaded;

    public HaproxyEdge(EdgeOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _process = new HaproxyProcess(options);
        Runtime = new HaproxyRuntime(options.SocketPath);
        _installer = new HaproxyConfigInstaller(options, _process, Runtime, time);
    }

    public EdgeOptions Options => _options;

    public HaproxyRuntime Runtime { get; }

    public IReadOnlyList<EdgeEntry> Entries => _registry.Entries;

    /// <summary>Entries of the registry file that the edge refused to load (names outside the strict set, written before
    /// they were checked): left out of the configuration, reported at start.</summary>
    public IReadOnlyList<string> RefusedAtLoad { get; private set; } = [];

    /// <summary>Deployment names whose entries were registered without an environment and could not be given one at start
    /// (several environments, or none, hold a deployment of that name): served, but changed by no deployment.</summary>
    public IReadOnlyList<string> UnownedAtLoad { get; private set; } = [];

    /// <summary>The user HAProxy runs as after start-up (null: Tidegate's own).</summary>
    public EdgeProcessUser? RunAs => _process.RunAs;

    public IReadOnlyList<EdgeEntry> EntriesOf(string environment, string deployment) =>
        _registry.Entries.Where(e => e.IsOwnedBy(environment, deployment)).ToList();

    public bool InMaintenance(string environment, string deployment) => _registry.Maintenance.Contains(EdgeNames.Owner(environment, deployment));

    /// <summary>Adopts the running HAProxy, or starts it when the registry has entries (otherwise the first declared entry
    /// starts it); rewrites and reloads only when the registry changed while Tidegate was away. Called at Tidegate start;
    /// never interrupts traffic of an adopted instance.</summary>
    /// <remarks>Without a store to ask (tests, the benchmark): entries without an environment stay unowned.</remarks>
    public Task StartAsync(CancellationToken ct) => StartAsync(_ => [], ct);

    /// <param name="environmentsOf">The environments that hold a deployment of a name, to give entries registered before
    /// entries carried their environment an owner (<see cref="EdgeRegistry.AdoptUnowned"/>).</param>
    public async Task StartAsync(Func<string, IReadOnlyCollection<string>> environmentsOf, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(environmentsOf);
        await _gate.WaitAsync(ct);
        try
        {
            await LoadLockedAsync(ct);
            UnownedAtLoad = _registry.AdoptUnowned(environmentsOf);
            if (await Runtime.IsAliveAsync(ct))
            {
                await ApplyLockedAsync(Copy(_registry), ct);
                await SyncMaintenanceLockedAsync(ct);
            }
            else if (_registry.Entries.Count > 0)
            {
                await ApplyLockedAsync(Copy(_registry), ct);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<bool> IsRunningAsync(CancellationToken ct) => await Runtime.IsAliveAsync(ct);

    private async Task LoadLockedAsync(CancellationToken ct)
    {
        if (_loaded)
        {
            return;
        }

        EdgeFiles.Prepare(_options.Directory);
        var registry = File.Exists(_options.RegistryPath)
            ? JsonSerializer.Deserialize<EdgeRegistry>(await File.ReadAllTextAsync(_options.RegistryPath, ct), Json) ?? new EdgeRegistry()
            : new EdgeRegistry();
        // A registry written before names were checked may hold an entry that would inject directives: it is not served.
        var refused = registry.Entries.Where(e => EdgeNames.Problems(e).Count > 0).ToList();
        RefusedAtLoad = refused.Select(e => $"{EdgeNames.Printable(e.Deployment)}/{EdgeNames.Printable(e.Service)}: {string.Join("; ", EdgeNames.Problems(e))}").ToList();
        registry.Entries.RemoveAll(refused.Contains);
        registry.UpgradeMaintenanceFlags();
        if (!EdgeNames.IsProxyName(registry.CookieKey))
        {
            registry = registry with { CookieKey = new EdgeRegistry().CookieKey };
        }

        _registry = registry;
        await EdgeFiles.WriteAsync(_options.MaintenancePagePath, HaproxyConfig.MaintenancePage, ct);
        if (!File.Exists(_options.MaintenanceMapPath))
        {
            await EdgeFiles.WriteAsync(_options.MaintenanceMapPath, HaproxyConfig.MaintenanceMap(_registry), ct);
        }

        _loaded = true;
    }

    /// <summary>Declares the entries of deployment <paramref name="deployment"/> of environment <paramref name="environment"/>
    /// (replacing what it had). Every entry is checked (<see cref="EdgeNames"/>); a listen address another deployment uses
    /// is refused; the new configuration replaces the running one only after HAProxy accepted it.</summary>
    public async Task EnsureEntriesAsync(string environment, string deployment, IReadOnlyList<EdgeEntry> entries, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var e in entries)
        {
            EdgeNames.Ensure(e);
            if (e.Deployment != deployment || e.Environment != environment)
            {
                throw new EdgeNameException($"The edge refuses entry {e.Key}: it does not belong to deployment {EdgeNames.Printable(deployment)}.");
            }
        }

        await _gate.WaitAsync(ct);
        try
        {
            await LoadLockedAsync(ct);
            var current = _registry.Entries.Where(e => e.IsOwnedBy(environment, deployment)).OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            var wanted = entries.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            if (current.SequenceEqual(wanted))
            {
                return;
            }

            var others = _registry.Entries.Where(e => !e.IsOwnedBy(environment, deployment)).ToList();
            if (others.FirstOrDefault(e => wanted.Any(w => EdgeNames.SameSocket(w.Listen, e.Listen))) is { } taken)
            {
                throw new EdgeException($"Edge entry {taken.Listen} is already used by deployment {taken.Deployment}.");
            }

            var candidate = Copy(_registry);
            candidate.Entries.RemoveAll(e => e.IsOwnedBy(environment, deployment));
            candidate.Entries.AddRange(wanted);
            // Entries taken over from a registry without environments keep their maintenance flag under the new owner.
            if (current.Any(e => candidate.Maintenance.Contains(e.Owner)))
            {
                candidate.Maintenance.ExceptWith(current.Select(e => e.Owner));
                if (wanted.Count > 0)
                {
                    candidate.Maintenance.Add(EdgeNames.Owner(environment, deployment));
                }
            }

            await ApplyLockedAsync(candidate, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task RemoveDeploymentAsync(string environment, string deployment, CancellationToken ct) => EnsureEntriesAsync(environment, deployment, [], ct);

    /// <summary>Maintenance page on or off for every frontend of a deployment, at runtime (map entry), and
    /// remembered in the registry and the map file for the next start.</summary>
    public async Task SetMaintenanceAsync(string environment, string deployment, bool on, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await LoadLockedAsync(ct);
            var owners = _registry.Entries.Where(e => e.IsOwnedBy(environment, deployment)).Select(e => e.Owner)
                .Append(EdgeNames.Owner(environment, deployment)).ToHashSet(StringComparer.Ordinal);
            var changed = false;
            foreach (var owner in owners)
            {
                changed |= on ? _registry.Maintenance.Add(owner) : _registry.Maintenance.Remove(owner);
            }

            if (!changed)
            {
                return;
            }

            await SaveRegistryAsync(ct);
            await EdgeFiles.WriteAsync(_options.MaintenanceMapPath, HaproxyConfig.MaintenanceMap(_registry), ct);
            if (await Runtime.IsAliveAsync(ct))
            {
                await SyncMaintenanceLockedAsync(ct);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Adds a server (127.0.0.1:port) with HAProxy health checks, in the given state.</summary>
    public async Task AddServerAsync(EdgeEntry entry, string name, int hostPort, int weight, EdgeServerState state, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var id = ServerId(entry, name);
        if (hostPort is < 1 or > 65535 || weight is < 0 or > 256)
        {
            throw new EdgeNameException($"The edge refuses server {id} on port {hostPort} with weight {weight}.");
        }

        var existing = (await ServersAsync(entry, ct)).FirstOrDefault(s => s.Name == name);
        if (existing is null)
        {
            await Runtime.RunAsync(ct,
                $"add server {id} 127.0.0.1:{hostPort.ToString(CultureInfo.InvariantCulture)} weight {weight.ToString(CultureInfo.InvariantCulture)} check inter {_options.CheckIntervalMs.ToString(CultureInfo.InvariantCulture)} fall 3 rise 1{MaxConn(entry)}",
                $"enable health {id}");
        }

        var commands = new List<string> { $"set server {id} weight {weight.ToString(CultureInfo.InvariantCulture)}", StateCommand(id, state) };
        if (entry.Sticky)
        {
            commands.Add($"enable dynamic-cookie backend {entry.Backend}");
        }

        await Runtime.RunAsync(ct, [.. commands]);
    }

    /// <summary>Applies several weight and state changes in one Runtime API call (one step for HAProxy).</summary>
    public Task ApplyAsync(EdgeEntry entry, IEnumerable<(string Server, int? Weight, EdgeServerState? State)> changes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(changes);
        var commands = new List<string>();
        foreach (var (server, weight, state) in changes)
        {
            var id = ServerId(entry, server);
            if (weight is { } w)
            {
                commands.Add($"set server {id} weight {w.ToString(CultureInfo.InvariantCulture)}");
            }

            if (state is { } s)
            {
                commands.Add(StateCommand(id, s));
            }
        }

        return commands.Count == 0 ? Task.CompletedTask : Runtime.RunAsync(ct, [.. commands]);
    }

    /// <summary>Waits until none of the servers has a session left (or the drain timeout passed).</summary>
    public async Task<bool> WaitDrainedAsync(EdgeEntry entry, IReadOnlyCollection<string> servers, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + _options.DrainTimeout;
        while (true)
        {
            var rows = await Runtime.StatAsync(ct);
            var busy = rows.Where(r => r.Proxy == entry.Backend && servers.Contains(r.Name)).Sum(r => r.CurrentSessions);
            if (busy == 0)
            {
                return true;
            }

            if (_time.GetUtcNow() >= deadline)
            {
                return false;
            }

            await Task.Delay(_options.PollInterval, _time, ct);
        }
    }

    /// <summary>Drains, then deletes a server. A server that came from the file (after a reload) cannot be deleted
    /// in HAProxy 2.6; it stays in maintenance with weight 0 until the next reload leaves it out.</summary>
    public async Task RemoveServerAsync(EdgeEntry entry, string name, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var id = ServerId(entry, name);
        if ((await ServersAsync(entry, ct)).All(s => s.Name != name))
        {
            return;
        }

        await Runtime.RunAsync(ct, $"set server {id} state drain");
        await WaitDrainedAsync(entry, [name], ct);
        await Runtime.RunAsync(ct, $"set server {id} state maint", $"set server {id} weight 0");
        await Runtime.RunAsync(ct, $"shutdown sessions server {id}");
        try
        {
            await Runtime.RunAsync(ct, $"del server {id}");
        }
        catch (EdgeCommandException)
        {
            // Static (from the file): left disabled; the next rendered configuration omits it.
        }
    }

    public async Task<IReadOnlyList<EdgeServer>> ServersAsync(EdgeEntry entry, CancellationToken ct) =>
        (await Runtime.StatAsync(ct)).Where(r => r.Proxy == entry.Backend && r.IsServer)
        .Select(r => new EdgeServer(r.Name, r.Address, r.Weight, r.Status, r.CurrentSessions)).ToList();

    /// <summary>Counters per revision over an entry's backend (cumulative since HAProxy started).</summary>
    public async Task<IReadOnlyList<EdgeCounters>> CountersAsync(EdgeEntry entry, CancellationToken ct) =>
        (await Runtime.StatAsync(ct)).Where(r => r.Proxy == entry.Backend && r.IsServer && EdgeServer.ParseRevision(r.Name) is not null)
        .GroupBy(r => EdgeServer.ParseRevision(r.Name)!.Value)
        .Select(g => new EdgeCounters(g.Key, g.Sum(r => r.Requests), g.Sum(r => r.Errors),
            g.Any(r => r.Requests > 0) ? (long)g.Where(r => r.Requests > 0).Average(r => r.ResponseTimeMs) : 0, g.Max(r => r.ResponseTimeMaxMs),
            g.Any(r => r.Status.StartsWith("DOWN", StringComparison.Ordinal))))
        .OrderBy(c => c.Revision).ToList();

    public async Task<EdgeStatus> StatusAsync(CancellationToken ct)
    {
        IReadOnlyList<EdgeStatRow> rows = [];
        int? pid = null;
        var running = await Runtime.IsAliveAsync(ct);
        if (running)
        {
            rows = await Runtime.StatAsync(ct);
            pid = await Runtime.PidAsync(ct);
        }

        var frontends = _registry.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => new EdgeFrontendStatus(
            e.Frontend, e.Deployment, e.Service, e.Port, e.Listen, _registry.Maintenance.Contains(e.Owner), e.Backend,
            rows.Where(r => r.Proxy == e.Backend && r.IsServer)
                .Select(r => new EdgeServerStatus(r.Name, EdgeServer.ParseRevision(r.Name), r.Address, r.Weight, r.Status, r.CurrentSessions, r.Requests, r.Errors))
                .ToList())).ToList();
        return new EdgeStatus(running, pid, _options.ConfigPath, frontends);
    }

    /// <summary>Stops the HAProxy process (tests, uninstall). Tidegate's own shutdown does not call this: the edge keeps serving.</summary>
    public async Task StopProcessAsync(CancellationToken ct)
    {
        if (await Runtime.IsAliveAsync(ct) && await Runtime.PidAsync(ct) is { } pid)
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            await process.WaitForExitAsync(ct);
        }
    }

    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static string MaxConn(EdgeEntry entry) =>
        entry.MaxConnPerServer is { } max ? " maxconn " + max.ToString(CultureInfo.InvariantCulture) : string.Empty;

    /// <summary>backend/server as the Runtime API names a server; both parts of the strict set, so no command can be appended.</summary>
    private static string ServerId(EdgeEntry entry, string server) =>
        $"{EdgeNames.EnsureProxyName(entry.Backend, "backend")}/{EdgeNames.EnsureProxyName(server, "server")}";

    private static EdgeRegistry Copy(EdgeRegistry registry) => new()
    {
        Entries = [.. registry.Entries],
        Maintenance = new SortedSet<string>(registry.Maintenance, StringComparer.Ordinal),
        CookieKey = registry.CookieKey,
    };

    private static string StateCommand(string id, EdgeServerState state) => state switch
    {
        EdgeServerState.Ready => $"set server {id} state ready",
        EdgeServerState.Drain => $"set server {id} state drain",
        _ => $"set server {id} state maint",
    };

    /// <summary>Makes <paramref name="candidate"/> the registry. Its configuration (with the live servers) is rendered — the
    /// renderer refuses names outside the strict set —, written to a 0600 temp file and checked with <c>haproxy -c</c>; only
    /// an accepted one replaces haproxy.cfg (a rename) and is loaded. A refused candidate changes nothing on disk or in
    /// memory; a reload that fails after the check (an address another process holds) puts the last good files back, so
    /// one deployment's bad entry never blocks the edge changes of the others.</summary>
    private async Task ApplyLockedAsync(EdgeRegistry candidate, CancellationToken ct)
    {
        var live = new Dictionary<string, IReadOnlyList<EdgeServerLine>>(StringComparer.Ordinal);
        var alive = await Runtime.IsAliveAsync(ct);
        if (alive)
        {
            foreach (var g in (await Runtime.StatAsync(ct)).Where(r => r.IsServer && r.Address.Length > 0 && !(r.Weight == 0 && IsMaint(r.Status)))
                         .GroupBy(r => r.Proxy))
            {
                live[g.Key] = g.Select(r => new EdgeServerLine(r.Name, r.Address, r.Weight, IsMaint(r.Status))).ToList();
            }
        }

        var config = HaproxyConfig.Render(_options, candidate, live, _process.RunAs);
        var before = File.Exists(_options.ConfigPath) ? await File.ReadAllTextAsync(_options.ConfigPath, ct) : null;
        if (alive && before is not null && SameProxies(before, config))
        {
            _registry = candidate;
            await SaveRegistryAsync(ct);
            return;
        }

        await _installer.InstallAsync(config, before, HaproxyConfig.MaintenanceMap(candidate), reload: alive, ct);
        _registry = candidate;
        await SaveRegistryAsync(ct);
    }

    /// <summary>Server lines differ all the time (they are runtime state); only the proxies decide a reload.</summary>
    private static bool SameProxies(string a, string b)
    {
        static IEnumerable<string> Proxies(string text) => text.Split('\n').Where(l => !l.TrimStart().StartsWith("server ", StringComparison.Ordinal));
        return Proxies(a).SequenceEqual(Proxies(b), StringComparer.Ordinal);
    }

    private static bool IsMaint(string status) => status.StartsWith("MAINT", StringComparison.Ordinal);

    private async Task SyncMaintenanceLockedAsync(CancellationToken ct)
    {
        if (_registry.Entries.Count == 0)
        {
            return;
        }

        var path = EdgeNames.EnsureFilePath(_options.MaintenanceMapPath, "maintenance map");
        var commands = new List<string> { $"clear map {path}" };
        commands.AddRange(_registry.Entries.Where(e => _registry.Maintenance.Contains(e.Owner))
            .Select(e => $"add map {path} {EdgeNames.EnsureProxyName(e.Frontend, "frontend")} 1"));
        await Runtime.RunAsync(ct, [.. commands]);
    }

    private Task SaveRegistryAsync(CancellationToken ct) => EdgeFiles.WriteAsync(_options.RegistryPath, JsonSerializer.Serialize(_registry, Json), ct);
}
