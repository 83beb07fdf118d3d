using Tidegate.Core.Deployments;
using Tidegate.Core.Store;

namespace Tidegate.Core.Observers;

/// <summary>Where a deployment's observer comes from: "stack" (x-tidegate.maintenanceObserver of the current revision) or
/// "api" (PUT /api/deployments/{id}/observer, which overrides the stack's). <see cref="Display"/>: the settings as shown, when
/// they differ from <see cref="Settings"/> (a stack's secret variables masked).</summary>
internal sealed record ObserverDefinition(ObserverSettings Settings, string Source, IReadOnlyDictionary<string, string?>? Display = null);

/// <summary>What an observer last saw and did. Health: "ok" (the last poll read a known value), "error" (the last poll failed or
/// read a value that is neither the maintenance nor the normal value), "unknown" (not polled yet). <see cref="LastValue"/> and
/// <see cref="Error"/> never carry what was read (see <see cref="MaintenanceObserver.Shown"/>); <see cref="ErrorCode"/> is one of
/// <see cref="ObserverErrors"/>' codes.</summary>
internal sealed record ObserverStatus(
    string DeploymentId, string Type, string Source, IReadOnlyDictionary<string, string?> Settings, TimeSpan PollingInterval,
    string? LastValue, DateTimeOffset? LastPolledAt, string Health, string? Error, string? ObservedMode, string? Owner,
    int StablePolls, int AgreeingPolls, string? LastAction, string? ErrorCode = null);

/// <summary>Polls one deployment's external signal and drives its maintenance, per the ownership rules: it enters maintenance
/// from Normal, ends only the maintenance it started itself, never a manual one, and acts on a change of its (stable) signal —
/// so after an admin override it waits until the signal goes back to normal. Errors never change the mode.</summary>
internal sealed class MaintenanceObserver(
    string deploymentId, ObserverDefinition definition, DeploymentService engine, TidegateStore store, IObserverProbe probe, TimeProvider time,
    Action<Exception>? report = null)
{
    /// <summary>What <see cref="ObserverStatus.LastValue"/> says when the value matched neither configured value.</summary>
    public const string DidNotMatch = "did not match";

    private readonly FlapGuard _guard = new(definition.Settings.StablePolls);
    private OperationMode? _applied;

    public event Action<ObserverStatus>? StatusChanged;

    /// <summary>How the mode history names this observer.</summary>
    public string Actor { get; } = ModeOwnership.ObserverPrefix + ObserverSettingsParser.TypeName(definition.Settings.Type);

    public ObserverDefinition Definition => definition;

    public ObserverStatus Status { get; private set; } = new(deploymentId, ObserverSettingsParser.TypeName(definition.Settings.Type), definition.Source,
        definition.Display ?? definition.Settings.ToDisplay(), definition.Settings.PollingInterval, null, null, "unknown", null, null, null,
        definition.Settings.StablePolls, 0, null);

    /// <summary>Polls at the polling interval until cancelled; the first poll is at once.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(definition.Settings.PollingInterval, time);
        try
        {
            do
            {
                try
                {
                    await PollOnceAsync(ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // The store or engine failed under the observer; the server log has why, the status a fixed code. It tries again at the next poll.
                    report?.Invoke(ex);
                    Fail(ObserverErrors.PollFailed, Status.LastValue);
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async Task PollOnceAsync(CancellationToken ct)
    {
        var settings = definition.Settings;
        string? value;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(settings.Timeout);
            try
            {
                value = await probe.ReadAsync(settings, timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Fail(ObserverErrors.Timeout(ObserverDurations.Format(settings.Timeout)), Status.LastValue);
                return;
            }
            catch (ObserverProbeException ex)
            {
                Fail(ex.Error, Status.LastValue);
                return;
            }
        }

        if (ObserverSignal.Classify(settings, value) is not { } signal)
        {
            Fail(ObserverErrors.UnknownValue, Shown(settings, value, null));
            return;
        }

        value = Shown(settings, value, signal);
        var stable = _guard.Observe(signal);
        string? action = null;
        ObserverError? error = null;
        if (stable is { } wanted && wanted != _applied)
        {
            (action, error) = await ApplyAsync(wanted, value, ct);
        }

        var deployment = await store.Deployments.GetAsync(deploymentId, ct);
        var owner = deployment is null ? null : await engine.ModeOwnerAsync(deployment, ct);
        Publish(Status with
        {
            LastValue = value, LastPolledAt = time.GetUtcNow(), Health = error is null ? "ok" : "error", Error = error?.ToString(), ErrorCode = error?.Code,
            ObservedMode = signal.ToString(),
            Owner = deployment?.Mode == OperationMode.Maintenance ? owner : null, AgreeingPolls = _guard.Count, LastAction = action ?? Status.LastAction,
        });
    }

    /// <summary>Acts on a new stable signal. Returns what it did, or an error (the signal is tried again at the next poll).</summary>
    private async Task<(string? Action, ObserverError? Error)> ApplyAsync(OperationMode wanted, string? value, CancellationToken ct)
    {
        if (await store.Deployments.GetAsync(deploymentId, ct) is not { } deployment)
        {
            return (null, null);
        }

        var current = deployment.Mode;
        if (current == wanted)
        {
            _applied = wanted;
            return (null, null);
        }

        // Migrating, Failed and Stopped are not the observer's to leave; it acts once the deployment is back in Normal.
        if (!(wanted == OperationMode.Maintenance && current == OperationMode.Normal || wanted == OperationMode.Normal && current == OperationMode.Maintenance))
        {
            return ($"waiting: the deployment is {current}", null);
        }

        try
        {
            var reason = $"{Actor} read '{value}' ({(wanted == OperationMode.Maintenance ? "maintenance" : "normal")} value)";
            switch (await engine.ChangeModeAsync(deploymentId, new ModeChangeRequest(wanted, reason, Actor), ct))
            {
                case ModeChangeResult.Started s:
                    _applied = wanted;
                    return ($"{s.Change.From} → {s.Change.To} (operation {s.OperationId})", null);
                case ModeChangeResult.NotOwner n:
                    // A manual maintenance is the user's to end: the observer lets this signal go.
                    _applied = wanted;
                    return ($"left as it is: {n.Detail}", null);
                case ModeChangeResult.Refused r:
                    return ($"waiting: operation {r.RunningOperationId} is running", null);
                default:
                    return (null, null);
            }
        }
        catch (Exception ex) when (ex is IllegalModeTransitionException or InvalidOperationException or Docker.DockerUnreachableException
                                       or Docker.DockerApiException or HttpRequestException)
        {
            // The Docker engine's own text stays in the server log.
            report?.Invoke(ex);
            return (null, ObserverErrors.ModeChangeFailed);
        }
    }

    /// <summary>What the status shows of a read value: an existence ("exists"/"missing") or an http status code as it is; a value
    /// that equals a configured value as that configured value; a pattern match as which pattern matched; anything else as
    /// <see cref="DidNotMatch"/>. Never the content itself, its length or a part of it: an observer must not become a way to read
    /// files, database rows or internal web pages through the API.</summary>
    internal static string Shown(ObserverSettings settings, string? value, OperationMode? signal)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Type == ObserverType.File && ObserverProbes.ComparesExistence(settings)
            || settings.Type == ObserverType.Http && settings.Source == HttpValueSource.Status && value is { Length: 3 } && value.All(char.IsAsciiDigit))
        {
            return value!;
        }

        var matched = signal switch
        {
            OperationMode.Maintenance => settings.MaintenanceValue,
            OperationMode.Normal when settings.NormalValue is not null && ObserverSignal.Matches(settings, value ?? string.Empty, settings.NormalValue) =>
                settings.NormalValue,
            _ => null,
        };
        if (matched is null)
        {
            return DidNotMatch;
        }

        return settings.Match == ValueMatch.Regex ? $"matched the {(signal == OperationMode.Maintenance ? "maintenance" : "normal")} pattern" : matched.Trim();
    }

    private void Fail(ObserverError error, string? value)
    {
        _guard.Reset();
        Publish(Status with
        {
            LastValue = value, LastPolledAt = time.GetUtcNow(), Health = "error", Error = error.ToString(), ErrorCode = error.Code, AgreeingPolls = 0,
        });
    }

    private void Publish(ObserverStatus next)
    {
        var previous = Status;
        Status = next;
        // Every poll updates LastPolledAt; subscribers hear about what changed, not about each poll.
        if (previous with { LastPolledAt = null } != next with { LastPolledAt = null } || previous.LastPolledAt is null)
        {
            StatusChanged?.Invoke(next);
        }
    }
}
