using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Edge;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;
using Tidegate.Docker;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Strategies;

/// <summary>
/// Blue-green and weighted canary through the edge. Same shape as <see cref="DeployExecutor"/>: pull every image →
/// revision and backup → declare the edge entries → start the new color beside the old one (entry services get a
/// second set of containers; other services are replaced only when their configuration changed) → health, HAProxy's
/// own check and the smoke test → shift traffic (blue-green: one switch; canary: weighted steps with gates) →
/// commit (the old color is drained and kept, or removed) or, on any failure after the start, send 100% back to
/// the stable color and remove the new one. Nothing of the stable color is stopped before the new one serves.
/// </summary>
internal sealed class EdgeRolloutExecutor(
    TidegateStore store, IDockerEngine docker, EngineOptions options, TimeProvider time, HaproxyEdge edge, RolloutRegistry rollouts,
    RolloutStrategyKind kind) : IRolloutStrategy
{
    public const string Blue = "blue";
    public const string Green = "green";
    internal const int FullWeight = EdgeTraffic.FullWeight;

    private readonly ProjectContainers _containers = new(docker);
    private readonly ContainerWaits _waits = new(docker, options, time);
    private readonly EdgeTraffic _traffic = new(edge, docker, options, time);

    public async Task<(OperationStatus Status, string? Error)> RunAsync(OperationJournal j, DeployWork work)
    {
        ArgumentNullException.ThrowIfNull(j);
        ArgumentNullException.ThrowIfNull(work);
        var project = work.Deployment.Name;
        var (settings, settingErrors) = RolloutSettings.From(work.Stack);
        var entries = settings.EdgeEntries(work.Deployment.EnvironmentId, project);
        var problems = settingErrors.ToList();
        if (!edge.Options.Enabled)
        {
            problems.Add($"the {RolloutSettings.Name(kind)} strategy needs the edge, which is disabled (Edge:Enabled=false)");
        }

        if (entries.Count == 0)
        {
            problems.Add($"x-tidegate.edge.entries: the {RolloutSettings.Name(kind)} strategy needs at least one edge entry (service, port, listen)");
        }

        if (problems.Count > 0)
        {
            return (OperationStatus.Failed, string.Join("\n", problems));
        }

        var previous = work.Deployment.CurrentRevision;
        var stepsList = kind == RolloutStrategyKind.Canary ? settings.Steps : [100];
        using var run = new RolloutRun(work.Deployment.Id, j.Operation.Id, kind, stepsList, entries);
        rollouts.Add(run);
        try
        {
            return await RunCoreAsync(j, work, settings, entries, previous, run);
        }
        finally
        {
            rollouts.Remove(run);
        }
    }

    private async Task<(OperationStatus, string?)> RunCoreAsync(
        OperationJournal j, DeployWork work, RolloutSettings settings, IReadOnlyList<EdgeEntry> entries, int? previous, RolloutRun run)
    {
        var project = work.Deployment.Name;
        var services = work.Stack.Project!.Services;
        await Phase(j, run, "pull", "pulling images", 0);
        Dictionary<string, string> digests;
        try
        {
            digests = await RolloutSteps.PullAllAsync(store, docker, j, services, work.ForcePull);
        }
        catch (DeploymentFailedException) when (work.Cancel?.IsCancellationRequested == true)
        {
            throw new OperationCanceledException(work.Cancel.Token);
        }
        catch (DeploymentFailedException ex)
        {
            var failed = await store.Revisions.AddAsync(RolloutSteps.NewRevision(work, new Dictionary<string, string>()), CancellationToken.None);
            await store.Revisions.SetOutcomeAsync(work.Deployment.Id, failed.Number, RevisionOutcome.Failed, CancellationToken.None);
            await RolloutSteps.MetadataAsync(store, j, work, failed.Number, new Dictionary<string, string>(), "failed: " + ex.Message, "not started", "not checked");
            return (OperationStatus.Failed, ex.Message);
        }

        // Past the pulls the rollout changes what serves traffic: a cancel request is refused from here on (rollout/abort remains).
        if (work.Cancel is { } cancel && !cancel.TryPassPointOfNoReturn("starting the new color"))
        {
            throw new OperationCanceledException(cancel.Token);
        }

        var revision = (await store.Revisions.AddAsync(RolloutSteps.NewRevision(work, digests), CancellationToken.None)).Number;
        await j.StepAsync(DeployExecutor.RevisionStep, new RevisionMarker(revision, previous), _ => Task.CompletedTask);
        var all = await _containers.ListAsync(project, j.Stopping);
        await j.StepAsync("backup", null, ct => RolloutSteps.BackupAsync(store, j, work, previous, all, ct));

        var entryServices = entries.Select(e => e.Service).ToHashSet(StringComparer.Ordinal);
        var stable = all.Where(c => !ProjectContainers.IsRetired(c) && entryServices.Contains(ProjectContainers.ServiceOf(c))
                                    && previous is not null && ProjectContainers.RevisionOf(c) == previous && c.State == "running").ToList();
        var stableColor = stable.Select(ColorOf).FirstOrDefault() ?? Blue;
        var color = stable.Count == 0 ? Blue : stableColor == Blue ? Green : Blue;
        var stableVersion = work.Deployment.Version;
        run.Stable = new RolloutSide(stable.Count == 0 ? null : stableVersion, stable.Count == 0 ? null : previous, stable.Count == 0 ? 0 : FullWeight);
        run.Candidate = new RolloutSide(work.Version, revision, 0);

        // A parked color of an earlier blue-green rollout and leftovers of an interrupted one go first.
        rollouts.Unpark(work.Deployment.Id);
        var loopback = entries.GroupBy(e => e.Service).ToDictionary(g => g.Key, g => (IReadOnlyList<int>)g.Select(e => e.Port).Distinct().ToList(), StringComparer.Ordinal);
        var plan = DeploymentPlanner.Plan(new PlanInput(work.Stack.Project, project, revision, work.StackId, work.Version, ExtraLabels: options.ExtraLabels,
            NameSuffix: color == Blue ? null : "-" + Green, Color: color, LoopbackPorts: loopback, FilesDirectory: options.FilesDirectoryFor(work.Deployment.EnvironmentId)));

        var retired = new List<RetiredContainer>();
        var candidates = new List<ContainerSummary>();
        var trafficShifted = false;
        var stoppedOld = new List<ContainerSummary>();
        var rolling = run.Kind == RolloutStrategyKind.Rolling && stable.Count > 0;
        try
        {
            await Phase(j, run, "edge", "declaring the edge entries", 31);
            await j.StepAsync("edge-entries", new { entries = entries.Select(e => e.Listen) }, ct => edge.EnsureEntriesAsync(work.Deployment.EnvironmentId, project, entries, ct));
            var leftovers = all.Where(c => entryServices.Contains(ProjectContainers.ServiceOf(c)) && !stable.Any(s => s.Id == c.Id)).ToList();
            await j.StepAsync("remove-leftovers", new { containers = leftovers.Select(ProjectContainers.NameOf) }, async ct =>
            {
                foreach (var e in entries)
                {
                    foreach (var server in await edge.ServersAsync(e, ct))
                    {
                        if (server.Revision != previous)
                        {
                            await edge.RemoveServerAsync(e, server.Name, ct);
                        }
                    }
                }

                foreach (var c in leftovers)
                {
                    await docker.ContainerRemoveAsync(c.Id, ct);
                }
            });
            await j.StepAsync("edge-stable", null, ct => _traffic.EnsureServersAsync(entries, stable, previous ?? 0, FullWeight, ct));

            await Phase(j, run, "prepare", "creating networks and volumes", 33);
            await RolloutSteps.PrepareAsync(docker, j, plan);

            // Services without an edge entry are shared by both colors: kept when unchanged, replaced otherwise.
            var others = all.Where(c => !ProjectContainers.IsRetired(c) && !entryServices.Contains(ProjectContainers.ServiceOf(c))).ToList();
            var toStart = new List<PlannedService>();
            foreach (var service in plan.Services)
            {
                if (entryServices.Contains(service.Name))
                {
                    toStart.Add(service);
                    continue;
                }

                var current = others.Where(c => ProjectContainers.ServiceOf(c) == service.Name).ToList();
                var unchanged = current.Count == service.Containers.Count && current.Count > 0
                                && current.All(c => c.Labels?.GetValueOrDefault(EngineLabels.ConfigHash) == service.ConfigHash);
                if (!unchanged)
                {
                    toStart.Add(service);
                    foreach (var c in current)
                    {
                        retired.Add(await j.StepAsync(DeployExecutor.RetireStep, new { id = c.Id, name = ProjectContainers.NameOf(c) }, ct => _containers.RetireAsync(c, ct)));
                    }
                }
            }

            foreach (var c in others.Where(c => plan.Services.All(s => s.Name != ProjectContainers.ServiceOf(c))))
            {
                retired.Add(await j.StepAsync(DeployExecutor.RetireStep, new { id = c.Id, name = ProjectContainers.NameOf(c) }, ct => _containers.RetireAsync(c, ct)));
            }

            if (rolling)
            {
                var shared = toStart.Where(s => !entryServices.Contains(s.Name)).ToList();
                await Phase(j, run, "start", shared.Count == 0 ? "no shared service changed" : "starting changed shared services", 40);
                await RolloutSteps.StartServicesAsync(docker, _waits, j, plan, shared);
                await j.StepAsync(DeployExecutor.VerifyStep, null, ct => RolloutSteps.VerifyAsync(docker, _waits, plan, shared, ct));
                trafficShifted = true;
                await RollingAsync(j, run, settings, entries, plan, revision, previous!.Value, stable, stoppedOld);
            }
            else
            {
                await Phase(j, run, "start", $"starting {color}", 40);
                await RolloutSteps.StartServicesAsync(docker, _waits, j, plan, toStart);
                candidates = (await _containers.OfRevisionAsync(project, revision, j.Stopping))
                    .Where(c => entryServices.Contains(ProjectContainers.ServiceOf(c))).ToList();
                await Phase(j, run, "verify", $"{color} started, verifying health", 55);
                await j.StepAsync(DeployExecutor.VerifyStep, null, ct => RolloutSteps.VerifyAsync(docker, _waits, plan, toStart, ct));

                if (settings.SmokeTest is { } smoke)
                {
                    await Phase(j, run, "smoke-test", $"smoke test {smoke.Path} on {color}", 60);
                    await j.StepAsync("smoke-test", smoke, ct => _traffic.SmokeTestAsync(entries, candidates, smoke, ct));
                    await Phase(j, run, "smoke-test", "smoke test passed", 62);
                }

                // Into the edge with weight 0: HAProxy's own check must see them up before any request goes there.
                await j.StepAsync("edge-candidate", new { color }, ct => _traffic.EnsureServersAsync(entries, candidates, revision, 0, ct));
                await j.StepAsync("edge-check", null, ct => _traffic.WaitUpAsync(entries, revision, ct));

                if (stable.Count == 0)
                {
                    await Phase(j, run, "traffic", $"traffic 0% → 100% ({color})", 80);
                    await j.StepAsync("traffic", new { weight = FullWeight }, ct => _traffic.SetWeightsAsync(entries, revision, FullWeight, null, 0, ct));
                    run.Candidate = run.Candidate with { Weight = FullWeight };
                    trafficShifted = true;
                }
                else if (run.Kind == RolloutStrategyKind.BlueGreen)
                {
                    await Phase(j, run, "traffic", $"switching traffic {stableColor} → {color}", 80);
                    trafficShifted = true;
                    await j.StepAsync("traffic", new { from = stableColor, to = color }, ct => _traffic.SwitchAsync(entries, revision, previous!.Value, ct));
                    run.Candidate = run.Candidate with { Weight = FullWeight };
                    run.Stable = run.Stable with { Weight = 0 };
                    await Phase(j, run, "traffic", $"traffic switched to {color}", 84);
                }
                else
                {
                    trafficShifted = true;
                    await CanaryAsync(j, run, settings, entries, revision, previous!.Value, stableColor, color);
                }

            }
        }
        catch (Exception ex) when (IsFailure(ex, run, j))
        {
            var reason = run.AbortReason ?? ex.Message;
            await Phase(j, run, "rollback", stable.Count > 0 ? $"sending 100% back to {stableColor}" : $"removing {color}", 90);
            await j.StepAsync("restore", new { revision, reason }, async ct =>
            {
                if (stoppedOld.Count > 0)
                {
                    // Rolling: the old containers stopped so far start again and take their servers back first.
                    foreach (var c in stoppedOld)
                    {
                        await docker.ContainerStartAsync(c.Id, ct);
                    }

                    foreach (var c in stoppedOld)
                    {
                        await _waits.WaitHealthyAsync(ProjectContainers.ServiceOf(c), c.Id, null, ct);
                    }

                    if (await edge.IsRunningAsync(ct))
                    {
                        foreach (var e in entries)
                        {
                            foreach (var server in (await edge.ServersAsync(e, ct)).Where(s => s.Revision == previous))
                            {
                                await edge.RemoveServerAsync(e, server.Name, ct);
                            }
                        }

                        await _traffic.EnsureServersAsync(entries, stable, previous!.Value, FullWeight, ct);
                    }
                }

                // The edge may be what failed (not installed, refused a command): the containers are restored regardless.
                if (await edge.IsRunningAsync(ct))
                {
                    if (trafficShifted && stable.Count > 0)
                    {
                        await _traffic.SetWeightsAsync(entries, previous!.Value, FullWeight, revision, 0, ct);
                    }

                    foreach (var e in entries)
                    {
                        foreach (var server in (await edge.ServersAsync(e, ct)).Where(s => s.Revision == revision))
                        {
                            await edge.RemoveServerAsync(e, server.Name, ct);
                        }
                    }
                }

                foreach (var c in await _containers.OfRevisionAsync(project, revision, ct))
                {
                    await docker.ContainerRemoveAsync(c.Id, ct);
                }

                foreach (var r in retired.AsEnumerable().Reverse())
                {
                    await _containers.RestoreAsync(r, ct);
                }
            });
            run.Stable = run.Stable with { Weight = stable.Count > 0 ? FullWeight : 0 };
            run.Candidate = run.Candidate with { Weight = 0 };
            var rolledBack = stable.Count > 0 || retired.Count > 0;
            await store.Revisions.SetOutcomeAsync(work.Deployment.Id, revision, rolledBack ? RevisionOutcome.RolledBack : RevisionOutcome.Failed, CancellationToken.None);
            await RolloutSteps.MetadataAsync(store, j, work, revision, digests, "ok", "failed: " + reason, rolledBack ? "rolled back" : "failed");
            return (rolledBack ? OperationStatus.RolledBack : OperationStatus.Failed, reason);
        }

        // From here on the new color serves; the old one leaves without dropping a request.
        await Phase(j, run, "drain", stable.Count == 0 ? "nothing to drain" : $"draining {stableColor}", 92);
        var keep = run.Kind == RolloutStrategyKind.BlueGreen && stable.Count > 0 && settings.KeepOldFor > TimeSpan.Zero;
        await j.StepAsync("drain", new { color = stableColor, keep }, async ct =>
        {
            foreach (var e in entries)
            {
                var old = (await edge.ServersAsync(e, ct)).Where(s => s.Revision == previous).Select(s => s.Name).ToList();
                await edge.ApplyAsync(e, old.Select(n => (n, (int?)null, (EdgeServerState?)EdgeServerState.Drain)), ct);
                await edge.WaitDrainedAsync(e, old, ct);
                if (keep)
                {
                    // Parked: no traffic, weight kept, still checked by nothing; switching back is one Runtime API call.
                    await edge.ApplyAsync(e, old.Select(n => (n, (int?)FullWeight, (EdgeServerState?)EdgeServerState.Maint)), ct);
                }
                else
                {
                    foreach (var name in old)
                    {
                        await edge.RemoveServerAsync(e, name, ct);
                    }
                }
            }

            if (!keep)
            {
                foreach (var c in stable)
                {
                    await docker.ContainerStopAsync(c.Id, null, ct);
                    await docker.ContainerRemoveAsync(c.Id, ct);
                }
            }
        });
        if (keep)
        {
            rollouts.Park(new ParkedColor(work.Deployment.Id, project, previous!.Value, stableVersion, work.Deployment.StackId,
                stable.Select(c => c.Id).ToList(), entries, time.GetUtcNow() + settings.KeepOldFor));
        }

        await Phase(j, run, "commit", "committing the revision", 96);
        await j.StepAsync("commit", new { revision }, ct =>
            new DeployExecutor(store, docker, options, time).CommitAsync(j, work, revision, retired, digests, ct));
        return (OperationStatus.Succeeded, null);
    }

    /// <summary>Start-first batches: each batch of new containers is healthy and UP at the edge before as many old ones are
    /// drained and stopped (stopped, not removed, until the commit — a failure starts them again).</summary>
    private async Task RollingAsync(OperationJournal j, RolloutRun run, RolloutSettings settings, IReadOnlyList<EdgeEntry> entries, DeploymentPlan plan,
        int revision, int previous, IReadOnlyList<ContainerSummary> stable, List<ContainerSummary> stoppedOld)
    {
        var entryServices = entries.Select(e => e.Service).ToHashSet(StringComparer.Ordinal);
        var planned = plan.Services.Where(s => entryServices.Contains(s.Name)).SelectMany(s => s.Containers.Select(c => (Service: s, Container: c))).ToList();
        var batches = planned.Chunk(settings.Parallelism).ToList();
        var remaining = stable.OrderBy(ProjectContainers.NumberOf).ToList();
        for (var b = 0; b < batches.Count; b++)
        {
            run.CurrentStep = b;
            await Phase(j, run, "rolling", $"batch {b + 1}/{batches.Count}: starting {batches[b].Length} new container(s)", 40 + (50 * b / batches.Count));
            var started = new List<string>();
            foreach (var (service, c) in batches[b])
            {
                var id = await RolloutSteps.CreateAndStartAsync(docker, j, service.Name, c);
                started.Add(id);
            }

            await j.StepAsync(DeployExecutor.VerifyStep, new { batch = b + 1 }, async ct =>
            {
                foreach (var (id, (service, _)) in started.Zip(batches[b]))
                {
                    await _waits.WaitHealthyAsync(service.Name, id, null, ct);
                }
            });
            var fresh = (await _containers.OfRevisionAsync(plan.Project, revision, j.Stopping)).Where(c => started.Contains(c.Id)).ToList();
            await j.StepAsync("edge-candidate", new { batch = b + 1 }, ct => _traffic.EnsureServersAsync(entries, fresh, revision, 0, ct));
            await j.StepAsync("edge-check", null, ct => _traffic.WaitUpAsync(entries, revision, ct));
            await j.StepAsync("traffic", new { batch = b + 1 }, ct => _traffic.SetWeightsAsync(entries, revision, FullWeight, null, 0, ct));

            // As many old containers leave as new ones arrived (all that are left after the last batch).
            var leaving = b == batches.Count - 1 ? remaining.ToList() : remaining.Take(batches[b].Length).ToList();
            remaining.RemoveAll(leaving.Contains);
            await Phase(j, run, "rolling", $"batch {b + 1}/{batches.Count}: draining {leaving.Count} old container(s)", 45 + (50 * b / batches.Count));
            await j.StepAsync("drain", new { batch = b + 1, containers = leaving.Select(ProjectContainers.NameOf) }, async ct =>
            {
                foreach (var e in entries)
                {
                    var names = leaving.Where(c => ProjectContainers.ServiceOf(c) == e.Service).Select(c => EdgeServer.NameFor(previous, ProjectContainers.NumberOf(c))).ToList();
                    await edge.ApplyAsync(e, names.Select(n => (n, (int?)null, (EdgeServerState?)EdgeServerState.Drain)), ct);
                    await edge.WaitDrainedAsync(e, names, ct);
                    await edge.ApplyAsync(e, names.Select(n => (n, (int?)null, (EdgeServerState?)EdgeServerState.Maint)), ct);
                }

                foreach (var c in leaving)
                {
                    await docker.ContainerStopAsync(c.Id, null, ct);
                    stoppedOld.Add(c);
                }
            });
            var share = FullWeight * (b + 1) / batches.Count;
            run.Candidate = run.Candidate with { Weight = share };
            run.Stable = run.Stable with { Weight = FullWeight - share };
            if (b < batches.Count - 1 && settings.Delay > TimeSpan.Zero)
            {
                await Phase(j, run, "rolling", string.Create(CultureInfo.InvariantCulture,
                    $"batch {b + 1}/{batches.Count} done, next in {settings.Delay.TotalSeconds:0}s"), 48 + (50 * b / batches.Count));
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(j.Stopping, run.Aborted);
                await Task.Delay(settings.Delay, time, wait.Token);
            }
        }
    }

    private async Task CanaryAsync(OperationJournal j, RolloutRun run, RolloutSettings settings, IReadOnlyList<EdgeEntry> entries,
        int revision, int previous, string stableColor, string color)
    {
        var weight = 0;
        for (var i = 0; i < run.Steps.Count; i++)
        {
            var next = run.Steps[i];
            run.CurrentStep = i;
            await Phase(j, run, "traffic", $"traffic {weight}% → {next}% ({color})", 65 + (25 * (i + 1) / run.Steps.Count));
            await j.StepAsync("traffic", new { step = i, from = weight, to = next }, ct =>
                _traffic.SetWeightsAsync(entries, revision, next, previous, FullWeight - next, ct));
            weight = next;
            run.Candidate = run.Candidate with { Weight = next };
            run.Stable = run.Stable with { Weight = FullWeight - next };
            if (next >= FullWeight)
            {
                break;
            }

            await GateAsync(j, run, settings, entries, revision);
        }

        _ = stableColor;
    }

    /// <summary>Holds a canary step for its pause (or until promoted) while checking health, error rate and latency.</summary>
    private async Task GateAsync(OperationJournal j, RolloutRun run, RolloutSettings settings, IReadOnlyList<EdgeEntry> entries, int revision)
    {
        var start = await _traffic.CandidateCountersAsync(entries, revision, j.Stopping);
        var until = settings.Pause is { } pause ? time.GetUtcNow() + pause : DateTimeOffset.MaxValue;
        run.WaitingForPromote = settings.Pause is null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(j.Stopping, run.Aborted);
        try
        {
            while (true)
            {
                var now = await _traffic.CandidateCountersAsync(entries, revision, linked.Token);
                var delta = now.Since(start);
                if (now.AnyDown)
                {
                    throw new DeploymentFailedException($"Canary gate failed: revision {revision} is down at the edge (its health check fails).");
                }

                if (delta.Requests > 0 && delta.Requests >= settings.Gates.MinRequests && delta.ErrorRate > settings.Gates.MaxErrorRate)
                {
                    throw new DeploymentFailedException(string.Create(CultureInfo.InvariantCulture,
                        $"Canary gate failed: error rate {delta.ErrorRate:P1} ({delta.Errors} of {delta.Requests} requests) is above {settings.Gates.MaxErrorRate:P1}."));
                }

                if (settings.Gates.MaxAvgResponseMs is { } maxMs && delta.Requests > 0 && now.AvgResponseMs > maxMs)
                {
                    throw new DeploymentFailedException($"Canary gate failed: average response time {now.AvgResponseMs} ms is above {maxMs} ms.");
                }

                if (run.TakePromote())
                {
                    return;
                }

                if (time.GetUtcNow() >= until)
                {
                    // A step is judged on evidence: with minRequests set, the pause runs on (up to three times its length)
                    // until the canary has served that many requests; a canary that gets no traffic does not pass.
                    if (delta.Requests >= settings.Gates.MinRequests)
                    {
                        return;
                    }
                    if (time.GetUtcNow() >= until + (2 * (settings.Pause ?? TimeSpan.Zero)))
                    {
                        throw new DeploymentFailedException(string.Create(CultureInfo.InvariantCulture,
                            $"Canary gate failed: only {delta.Requests} of the {settings.Gates.MinRequests} requests needed to judge the step reached revision {revision}."));
                    }
                }

                await Task.Delay(options.PollInterval, time, linked.Token);
            }
        }
        finally
        {
            run.WaitingForPromote = false;
        }
    }

    private static bool IsFailure(Exception ex, RolloutRun run, OperationJournal j) =>
        ex is DeploymentFailedException or DockerApiException or DockerUnreachableException or HttpRequestException or IOException
            or EdgeException or EdgeCommandException or SocketException or JsonException
        || (ex is OperationCanceledException && run.Aborted.IsCancellationRequested && !j.Stopping.IsCancellationRequested)
        || (ex is TaskCanceledException && !j.Stopping.IsCancellationRequested);

    private static async Task Phase(OperationJournal j, RolloutRun run, string phase, string message, int percent)
    {
        run.Phase = message;
        await j.ProgressAsync(phase, message, percent);
    }

    private static string? ColorOf(ContainerSummary c) => c.Labels?.GetValueOrDefault(EngineLabels.Color);


}
