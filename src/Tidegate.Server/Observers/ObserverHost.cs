using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Tidegate.Core.Deployments;
using Tidegate.Core.Observers;
using Tidegate.Core.Store;
using Tidegate.Server.Hosting;
using Tidegate.Server.Progress;

namespace Tidegate.Server.Observers;

/// <summary>Runs a <see cref="MaintenanceObserver"/> for every deployment whose current revision's x-tidegate, or whose API
/// configuration, defines one. A scan (when an operation ended, at once after a PUT/DELETE of an observer, and every
/// <c>Observers:RescanInterval</c>, default 30 s, as a fallback) starts observers of new deployments, restarts those whose
/// revision or configuration changed, and stops those of removed deployments. Also forwards the engine's mode changes to the hub and SSE.</summary>
/// <remarks>The engine and store exist only once the store is open, so they are resolved in <see cref="StartAsync"/>.</remarks>
internal sealed class ObserverHost(IServiceProvider services, TimeProvider time, IOptions<ServerOptions> options, ILogger<ObserverHost> logger)
    : IHostedService, IDisposable
{
    /// <summary>What observers may reach, from <c>Observers:*</c>; the data directory is never observed.</summary>
    public ObserverPolicy Policy { get; } = new()
    {
        FileRoots = [.. options.Value.Observers.FileRoots.Select(r => Path.GetFullPath(r))],
        ForbiddenRoots = [.. ObserverPolicy.None.ForbiddenRoots, Path.GetFullPath(options.Value.DataDirectory)],
        AllowedHttpHosts = [.. options.Value.Observers.AllowedHttpHosts],
        ConnectionSecrets = [.. options.Value.Observers.ConnectionSecrets],
        AllowCatalogRegex = options.Value.Observers.AllowCatalogRegex,
    };

    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Key, ObserverStatusMessage Status)> _broken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _without = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _nudge = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private HttpClient? _http;
    private Task _loop = Task.CompletedTask;
    private DeploymentService? _engine;
    private TidegateStore? _store;
    private IProgressPublisher? _publisher;

    private sealed record Running(MaintenanceObserver Observer, string Key, CancellationTokenSource Stop, Task Loop);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _store = services.GetRequiredService<TidegateStore>();
        _engine = services.GetRequiredService<DeploymentService>();
        _publisher = services.GetRequiredService<IProgressPublisher>();
        _http = ObserverHttp.CreateClient(Policy);
        _loop = LoopAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stopping.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        foreach (var id in _running.Keys)
        {
            await StopObserverAsync(id);
        }

        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout passed: the loop is cancelled and ends on its own; stopping must not fail.
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _nudge.Dispose();
        _http?.Dispose();
    }

    /// <summary>Asks for a scan soon (after an operation ended: a deployment may have been added, upgraded or removed).
    /// Nudges before the scan starts fold into one.</summary>
    public void Nudge()
    {
        try
        {
            if (_nudge.CurrentCount == 0)
            {
                _nudge.Release();
            }
        }
        catch (ObjectDisposedException)
        {
            // Stopped: nothing to scan for.
        }
    }

    /// <summary>Scans now and returns when done (tests and the API use it to see a change at once).</summary>
    public Task ScanNowAsync(CancellationToken ct) => ScanAsync(ct);

    /// <summary>The observer's current status (configured: false when the deployment has none).</summary>
    public ObserverStatusMessage StatusOf(string deploymentId) =>
        _running.TryGetValue(deploymentId, out var r) ? Message(r.Observer.Status)
        : _broken.TryGetValue(deploymentId, out var b) ? b.Status
        : new ObserverStatusMessage(deploymentId, false, null, null, new Dictionary<string, string?>(), null, null, null, "unknown", null, null, null,
            null, null, null);

    public static ObserverStatusMessage Message(ObserverStatus s) => new(s.DeploymentId, true, s.Type, s.Source, s.Settings,
        s.PollingInterval.TotalSeconds, s.LastValue, s.LastPolledAt, s.Health, s.Error, s.ObservedMode, s.Owner, s.StablePolls, s.AgreeingPolls,
        s.LastAction, s.ErrorCode);


    private async Task PublishSafelyAsync(Func<Task> publish)
    {
        try
        {
            await publish();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ObserverPushFailed(logger, ex);
        }
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        await Task.Yield();
        var interval = options.Value.Observers.RescanInterval;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ScanAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopping: a scan in progress ends here, and so does the loop.
                return;
            }
            catch (Exception ex)
            {
                Log.ObserverScanFailed(logger, ex);
            }

            try
            {
                await _nudge.WaitAsync(interval, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private readonly SemaphoreSlim _scanning = new(1, 1);

    private async Task ScanAsync(CancellationToken ct)
    {
        var store = _store!;
        await _scanning.WaitAsync(ct);
        try
        {
            var deployments = new List<DeploymentRecord>();
            while (true)
            {
                var page = await store.Deployments.ListAsync(null, new Page(Page.MaxLimit, deployments.Count), ct);
                deployments.AddRange(page.Items);
                if (!page.HasMore || page.Items.Count == 0)
                {
                    break;
                }
            }

            var stamps = await store.Observers.StampsAsync(ct);
            foreach (var d in deployments)
            {
                var key = $"{d.CurrentRevision}|{(stamps.TryGetValue(d.Id, out var at) ? at.ToString("O") : "-")}";
                if (_running.TryGetValue(d.Id, out var running) && running.Key == key || _broken.TryGetValue(d.Id, out var broken) && broken.Key == key
                    || _without.TryGetValue(d.Id, out var without) && without == key)
                {
                    continue;
                }

                await StopObserverAsync(d.Id);
                _broken.TryRemove(d.Id, out _);
                _without.TryRemove(d.Id, out _);
                await StartObserverAsync(d, key, ct);
            }

            var ids = deployments.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _running.Keys.Concat(_broken.Keys).Concat(_without.Keys).Where(id => !ids.Contains(id)).ToList())
            {
                await StopObserverAsync(gone);
                _broken.TryRemove(gone, out _);
                _without.TryRemove(gone, out _);
            }
        }
        finally
        {
            _scanning.Release();
        }
    }

    private async Task StartObserverAsync(DeploymentRecord deployment, string key, CancellationToken ct)
    {
        IReadOnlyDictionary<string, string?> values;
        IReadOnlyDictionary<string, string?> display;
        IReadOnlyList<string> sectionErrors = [];
        string source;
        ObserverAuthor author;
        if (await _store!.Observers.GetAsync(deployment.Id, ct) is { } api)
        {
            (values, display, source, author) = (api.Settings, api.Settings, "api", api.Author);
        }
        else
        {
            StackObserverSection? section;
            try
            {
                section = await _engine!.StackObserverAsync(deployment, ct);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException)
            {
                Log.ObserverFailed(logger, ex, deployment.Id);
                section = new StackObserverSection(new Dictionary<string, string?>(), ["the stack's observer section could not be read (see the server log)"]);
            }

            if (section is null)
            {
                // Remembered per revision, so the next scans do not read the revision again.
                _without[deployment.Id] = key;
                return;
            }

            (values, display, source, sectionErrors, author) = (section.Values, section.Display, "stack", section.Errors, ObserverAuthor.Catalog);
        }

        var (settings, errors) = ObserverSettingsParser.Parse(values);
        if (settings is not null)
        {
            errors = ObserverRules.Check(settings, author, Policy);
        }

        if (settings is null || sectionErrors.Count > 0 || errors.Count > 0)
        {
            // The messages are the parser's own, over the displayed (masked) values, so a stack's secret is not quoted back.
            var shownErrors = ObserverSettingsParser.Parse(display).Errors is { Count: > 0 } masked ? masked : errors;
            var messages = sectionErrors.Concat(shownErrors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))).ToList();
            var error = ObserverErrors.Invalid(string.Join("; ", messages));
            var status = new ObserverStatusMessage(deployment.Id, true, display.GetValueOrDefault("type"), source,
                display.Where(v => v.Key != "connectionString").ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal), null, null, null, "error",
                error.ToString(), null, null, null, null, null, error.Code);
            _broken[deployment.Id] = (key, status);
            await PublishSafelyAsync(() => _publisher!.PublishObserverStatusAsync(status, CancellationToken.None));
            return;
        }

        var shown = source == "stack" && ObserverSettingsParser.Parse(display).Settings is { } displayed ? displayed.ToDisplay() : settings.ToDisplay();
        var environmentId = deployment.EnvironmentId;
        var probe = new ObserverProbes(_http!, Policy, (name, token) => EnvironmentSecretAsync(environmentId, name, token));
        var observer = new MaintenanceObserver(deployment.Id, new ObserverDefinition(settings, source, shown), _engine!, _store, probe, time,
            ex => Log.ObserverFailed(logger, ex, deployment.Id));
        observer.StatusChanged += s => _ = PublishSafelyAsync(() => _publisher!.PublishObserverStatusAsync(Message(s), CancellationToken.None));
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        _running[deployment.Id] = new Running(observer, key, stop, RunObserverAsync(observer, stop.Token));
        Log.ObserverStarted(logger, deployment.Name, ObserverSettingsParser.TypeName(settings.Type), source, settings.PollingInterval);
    }

    /// <summary>The clear value of a secret variable of the environment (admin-managed); null when there is none or it is not secret.</summary>
    public async Task<string?> EnvironmentSecretAsync(string environmentId, string name, CancellationToken ct)
    {
        var variables = await _store!.Environments.GetVariablesWithSecretsAsync(environmentId, ct);
        return variables.FirstOrDefault(v => v.IsSecret && string.Equals(v.Name, name, StringComparison.Ordinal))?.Value;
    }

    private async Task RunObserverAsync(MaintenanceObserver observer, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            await observer.RunAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ObserverFailed(logger, ex, observer.Status.DeploymentId);
        }
    }

    private async Task StopObserverAsync(string deploymentId)
    {
        if (_running.TryRemove(deploymentId, out var running))
        {
            await running.Stop.CancelAsync();
            try
            {
                await running.Loop;
            }
            catch (OperationCanceledException)
            {
            }

            running.Stop.Dispose();
        }
    }
}
