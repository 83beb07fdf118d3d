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
/// maintenance page — goes through the Runtime API.
/// </summary>
internal sealed class HaproxyEdge : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly EdgeOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private EdgeRegistry _registry = new();
    private bool _loaded;

    public HaproxyEdge(EdgeOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        Runtime = new HaproxyRuntime(options.SocketPath);
    }

    public EdgeOptions Options => _options;

    public HaproxyRuntime Runtime { get; }

    public IReadOnlyList<EdgeEntry> Entries => _registry.Entries;

    public IReadOnlyList<EdgeEntry> EntriesOf(string deployment) => _registry.Entries.Where(e => e.Deployment == deployment).ToList();

    public bool InMaintenance(string deployment) => _registry.Maintenance.Contains(deployment);

    /// <summary>Adopts the running HAProxy, or starts it when the registry has entries (otherwise the first declared entry
    /// starts it); rewrites and reloads only when the registry changed while Tidegate was away. Called at Tidegate start;
    /// never interrupts traffic of an adopted instance.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await LoadLockedAsync(ct);
            if (await Runtime.IsAliveAsync(ct))
            {
                await ApplyLockedAsync(ct);
                await SyncMaintenanceLockedAsync(ct);
            }
            else if (_registry.Entries.Count > 0)
            {
                await ApplyLockedAsync(ct);
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

        Directory.CreateDirectory(_options.Directory);
        _registry = File.Exists(_options.RegistryPath)
            ? JsonSerializer.Deserialize<EdgeRegistry>(await File.ReadAllTextAsync(_options.RegistryPath, ct), Json) ?? new EdgeRegistry()
            : new EdgeRegistry();
        await File.WriteAllTextAsync(_options.MaintenancePagePath, HaproxyConfig.MaintenancePage, ct);
        if (!File.Exists(_options.MaintenanceMapPath))
        {
            await File.WriteAllTextAsync(_options.MaintenanceMapPath, HaproxyConfig.MaintenanceMap(_registry), ct);
        }

        _loaded = true;
    }

    /// <summary>Declares a deployment's entries (replacing what it had). Reloads seamlessly only when they differ.</summary>
    public async Task EnsureEntriesAsync(string deployment, IReadOnlyList<EdgeEntry> entries, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await LoadLockedAsync(ct);
            var current = _registry.Entries.Where(e => e.Deployment == deployment).OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            var wanted = entries.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            if (current.SequenceEqual(wanted))
            {
                return;
            }

            var taken = _registry.Entries.Where(e => e.Deployment != deployment).FirstOrDefault(e => wanted.Any(w => w.Listen == e.Listen));
            if (taken is not null)
            {
                throw new EdgeException($"Edge entry {taken.Listen} is already used by deployment {taken.Deployment}.");
            }

            _registry.Entries.RemoveAll(e => e.Deployment == deployment);
            _registry.Entries.AddRange(wanted);
            await ApplyLockedAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task RemoveDeploymentAsync(string deployment, CancellationToken ct) => EnsureEntriesAsync(deployment, [], ct);

    /// <summary>Maintenance page on or off for every frontend of a deployment, at runtime (map entry), and
    /// remembered in the registry and the map file for the next start.</summary>
    public async Task SetMaintenanceAsync(string deployment, bool on, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await LoadLockedAsync(ct);
            var changed = on ? _registry.Maintenance.Add(deployment) : _registry.Maintenance.Remove(deployment);
            if (!changed)
            {
                return;
            }

            await SaveRegistryAsync(ct);
            await File.WriteAllTextAsync(_options.MaintenanceMapPath, HaproxyConfig.MaintenanceMap(_registry), ct);
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
        var id = $"{entry.Backend}/{name}";
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
        var commands = new List<string>();
        foreach (var (server, weight, state) in changes)
        {
            var id = $"{entry.Backend}/{server}";
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
        var id = $"{entry.Backend}/{name}";
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
            e.Frontend, e.Deployment, e.Service, e.Port, e.Listen, InMaintenance(e.Deployment), e.Backend,
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

    private static string StateCommand(string id, EdgeServerState state) => state switch
    {
        EdgeServerState.Ready => $"set server {id} state ready",
        EdgeServerState.Drain => $"set server {id} state drain",
        _ => $"set server {id} state maint",
    };

    /// <summary>Writes the configuration with the live servers and reloads when it differs from the file.</summary>
    private async Task ApplyLockedAsync(CancellationToken ct)
    {
        await SaveRegistryAsync(ct);
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

        var config = HaproxyConfig.Render(_options, _registry, live);
        var before = File.Exists(_options.ConfigPath) ? await File.ReadAllTextAsync(_options.ConfigPath, ct) : null;
        if (alive && before is not null && SameProxies(before, config))
        {
            return;
        }

        await File.WriteAllTextAsync(_options.MaintenanceMapPath, HaproxyConfig.MaintenanceMap(_registry), ct);
        await File.WriteAllTextAsync(_options.ConfigPath, config, ct);
        await LaunchAsync(reload: alive, ct);
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

        var path = _options.MaintenanceMapPath;
        var commands = new List<string> { $"clear map {path}" };
        commands.AddRange(_registry.Entries.Where(e => _registry.Maintenance.Contains(e.Deployment)).Select(e => $"add map {path} {e.Frontend} 1"));
        await Runtime.RunAsync(ct, [.. commands]);
    }

    private async Task SaveRegistryAsync(CancellationToken ct)
    {
        var temp = _options.RegistryPath + ".tmp";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(_registry, Json), ct);
        File.Move(temp, _options.RegistryPath, overwrite: true);
    }

    private async Task LaunchAsync(bool reload, CancellationToken ct)
    {
        var check = await RunHaproxyAsync(["-c", "-q", "-f", _options.ConfigPath], ct);
        if (check.ExitCode != 0)
        {
            throw new EdgeException("The edge configuration is invalid: " + check.Output);
        }

        var oldPid = reload ? await Runtime.PidAsync(ct) : null;
        List<string> args = ["-D", "-f", _options.ConfigPath, "-p", _options.PidPath];
        if (oldPid is { } old)
        {
            args.AddRange(["-x", _options.SocketPath, "-sf", old.ToString(CultureInfo.InvariantCulture)]);
        }

        var result = await RunHaproxyAsync(args, ct);
        if (result.ExitCode != 0)
        {
            throw new EdgeException($"HAProxy did not start (exit {result.ExitCode}): {result.Output}");
        }

        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (await Runtime.IsAliveAsync(ct) && (oldPid is null || await Runtime.PidAsync(ct) != oldPid))
            {
                return;
            }

            if (_time.GetUtcNow() >= deadline)
            {
                throw new EdgeException("HAProxy started but its Runtime API does not answer on " + _options.SocketPath);
            }

            await Task.Delay(_options.PollInterval, _time, ct);
        }
    }

    private async Task<(int ExitCode, string Output)> RunHaproxyAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(_options.Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = _options.Directory,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new EdgeException("could not start " + _options.Executable);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new EdgeException($"could not start {_options.Executable} (is Debian's haproxy package installed?): {ex.Message}", ex);
        }

        using (process)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var output = (await stdout + await stderr).Trim();
            return (process.ExitCode, output);
        }
    }
}
