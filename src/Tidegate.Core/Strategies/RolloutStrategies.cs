using Tidegate.Core.Definitions;
using Tidegate.Core.Edge;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;

namespace Tidegate.Core.Strategies;

/// <summary>A way to replace one revision with another; same contract as <see cref="DeployExecutor.RunAsync"/>.</summary>
internal interface IRolloutStrategy
{
    Task<(OperationStatus Status, string? Error)> RunAsync(OperationJournal j, DeployWork work);
}

/// <summary>
/// The entry point the deployment flow uses for strategies and the edge. Singleton: holds the edge controller and the
/// registry of running rollouts and parked colors.
/// <list type="bullet">
/// <item><see cref="Resolve"/> picks the strategy (request, else the stack's x-tidegate.strategy, else recreate).</item>
/// <item><see cref="Create"/> gives the executor for blue-green and canary; null means "use DeployExecutor" (recreate).</item>
/// <item><see cref="SetMaintenanceAsync"/> is called on operation-mode changes (maintenance page on/off).</item>
/// <item><see cref="SyncAsync"/> makes the edge follow containers changed by other executors (recreate, start, stop).</item>
/// </list>
/// </summary>
internal sealed class RolloutStrategies(HaproxyEdge edge, RolloutRegistry rollouts, TimeProvider time)
{
    public HaproxyEdge Edge => edge;

    public RolloutRegistry Rollouts => rollouts;

    /// <summary>The strategy for an upgrade: <paramref name="requested"/> ("recreate" | "rolling" | "blue-green" | "canary"), else the stack's.</summary>
    public static (RolloutStrategyKind Kind, IReadOnlyList<string> Errors) Resolve(string? requested, ResolvedStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var (settings, errors) = RolloutSettings.From(stack);
        if (requested is { Length: > 0 })
        {
            if (RolloutSettings.ParseKind(requested) is not { } kind)
            {
                return (RolloutStrategyKind.Recreate, [$"strategy: expected recreate, rolling, blue-green or canary, got '{requested}'"]);
            }

            settings = settings with { Kind = kind };
        }

        var problems = errors.ToList();
        if (settings.Kind is RolloutStrategyKind.BlueGreen or RolloutStrategyKind.Canary or RolloutStrategyKind.Rolling && settings.Entries.Count == 0)
        {
            problems.Add($"strategy: {RolloutSettings.Name(settings.Kind)} needs x-tidegate.edge.entries (the HTTP entry the edge switches)");
        }

        return (settings.Kind, problems);
    }

    /// <summary>For the recreate flow: the ports to publish on 127.0.0.1 (<see cref="PlanInput.LoopbackPorts"/>) so the
    /// edge can reach a deployment's entry services; null when the stack declares no entry.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<int>>? LoopbackPorts(ResolvedStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var (settings, _) = RolloutSettings.From(stack);
        return settings.Entries.Count == 0
            ? null
            : settings.Entries.GroupBy(e => e.Service).ToDictionary(g => g.Key, g => (IReadOnlyList<int>)g.Select(e => e.Port).Distinct().ToList(), StringComparer.Ordinal);
    }

    /// <summary>The executor for <paramref name="kind"/>, or null when <see cref="DeployExecutor"/> (recreate) does the work.</summary>
    public IRolloutStrategy? Create(RolloutStrategyKind kind, TidegateStore store, IDockerEngine docker, EngineOptions options) => kind switch
    {
        RolloutStrategyKind.BlueGreen or RolloutStrategyKind.Canary or RolloutStrategyKind.Rolling => new EdgeRolloutExecutor(store, docker, options, time, edge, rollouts, kind),
        _ => null,
    };

    public Task SetMaintenanceAsync(string environmentId, string deploymentName, bool on, CancellationToken ct) =>
        edge.SetMaintenanceAsync(environmentId, deploymentName, on, ct);

    /// <summary>GET /api/deployments/{id}/rollout; null when no rollout runs for the deployment.</summary>
    public async Task<RolloutView?> ViewAsync(TidegateStore store, string deploymentId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (rollouts.Get(deploymentId) is not { } run)
        {
            return null;
        }

        var versions = new Dictionary<int, string?>();
        if (run.Stable.Revision is { } s)
        {
            versions[s] = run.Stable.Version;
        }

        if (run.Candidate.Revision is { } c)
        {
            versions[c] = run.Candidate.Version;
        }

        var counters = new List<RolloutCounterView>();
        foreach (var entry in run.Entries)
        {
            try
            {
                foreach (var k in await edge.CountersAsync(entry, ct))
                {
                    counters.Add(new RolloutCounterView(versions.GetValueOrDefault(k.Revision), k.Revision, k.Requests, k.Errors, k.ErrorRate, null,
                        k.AvgResponseMs, k.MaxResponseMs));
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or EdgeCommandException)
            {
                // The view still answers while the edge is restarting.
            }
        }

        var merged = counters.GroupBy(k => k.Revision).Select(g => g.Count() == 1 ? g.First() : new RolloutCounterView(g.First().Version, g.Key,
            g.Sum(x => x.Requests), g.Sum(x => x.Errors), g.Sum(x => x.Requests) == 0 ? 0 : (double)g.Sum(x => x.Errors) / g.Sum(x => x.Requests), null,
            (long)g.Average(x => x.AvgMs), g.Max(x => x.MaxMs))).ToList();
        return new RolloutView(RolloutSettings.Name(run.Kind), run.Phase, run.Stable, run.Candidate, run.Steps, Math.Max(run.CurrentStep, 0), merged,
            run.OperationId, run.WaitingForPromote);
    }

    public bool Promote(string deploymentId)
    {
        if (rollouts.Get(deploymentId) is not { } run)
        {
            return false;
        }

        run.Promote();
        return true;
    }

    public bool Abort(string deploymentId, string reason)
    {
        if (rollouts.Get(deploymentId) is not { } run)
        {
            return false;
        }

        run.Abort(reason);
        return true;
    }

    /// <summary>Makes a deployment's backends match its running containers of <paramref name="revision"/> (those that publish
    /// the entry port on 127.0.0.1): adds missing servers at full weight, drains and removes the rest. Not while a rollout runs.</summary>
    public async Task SyncAsync(IDockerEngine docker, string environmentId, string deploymentId, string project, int? revision, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(docker);
        if (rollouts.Get(deploymentId) is not null)
        {
            return;
        }

        var parked = rollouts.Parked(deploymentId);
        var containers = await new ProjectContainers(docker).ListAsync(project, ct);
        foreach (var entry in edge.EntriesOf(environmentId, project))
        {
            var wanted = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var c in containers.Where(c => c.State == "running" && !ProjectContainers.IsRetired(c) && ProjectContainers.ServiceOf(c) == entry.Service
                                                    && ProjectContainers.RevisionOf(c) == revision))
            {
                if (await RolloutSteps.LoopbackPortAsync(docker, c.Id, entry.Port, ct) is { } port)
                {
                    var number = ProjectContainers.NumberOf(c);
                    wanted[EdgeServer.NameFor(revision ?? 0, number)] = port;
                }
            }

            var servers = await edge.ServersAsync(entry, ct);
            foreach (var (name, port) in wanted)
            {
                var existing = servers.FirstOrDefault(s => s.Name == name);
                if (existing is not null && existing.Address.EndsWith(":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
                {
                    if (existing.Status.StartsWith("MAINT", StringComparison.Ordinal) || existing.Weight == 0)
                    {
                        await edge.ApplyAsync(entry, [(name, 100, EdgeServerState.Ready)], ct);
                    }

                    continue;
                }

                if (existing is not null)
                {
                    await edge.RemoveServerAsync(entry, name, ct);
                }

                await edge.AddServerAsync(entry, name, port, 100, EdgeServerState.Ready, ct);
            }

            foreach (var server in servers.Where(s => !wanted.ContainsKey(s.Name) && (parked is null || s.Revision != parked.Revision)))
            {
                await edge.RemoveServerAsync(entry, server.Name, ct);
            }
        }
    }

    /// <summary>Blue-green rollback inside the keep window: the parked color takes the traffic back in one Runtime API call
    /// per entry and becomes the running revision again; the abandoned color is drained and removed. False when nothing is parked.</summary>
    public async Task<bool> SwitchBackAsync(OperationJournal j, TidegateStore store, IDockerEngine docker, DeploymentRecord deployment)
    {
        ArgumentNullException.ThrowIfNull(j);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(deployment);
        if (rollouts.Parked(deployment.Id) is not { } parked || deployment.CurrentRevision is not { } current)
        {
            return false;
        }

        // The parked containers must still run (a host reboot may have stopped them); their servers are added again when the
        // edge lost them (HAProxy restarted while Tidegate was down). Otherwise the rollback redeploys the revision instead.
        var running = (await new ProjectContainers(docker).ListAsync(parked.Project, j.Stopping))
            .Where(c => parked.ContainerIds.Contains(c.Id) && c.State == "running").ToList();
        if (running.Count != parked.ContainerIds.Count)
        {
            await j.ProgressAsync("traffic", $"the parked revision {parked.Revision} no longer runs: redeploying it", 10);
            return false;
        }

        await j.StepAsync("edge-parked", new { revision = parked.Revision }, async ct =>
        {
            foreach (var entry in parked.Entries)
            {
                var servers = await edge.ServersAsync(entry, ct);
                foreach (var c in running.Where(c => ProjectContainers.ServiceOf(c) == entry.Service))
                {
                    var number = ProjectContainers.NumberOf(c);
                    var name = EdgeServer.NameFor(parked.Revision, number);
                    if (await RolloutSteps.LoopbackPortAsync(docker, c.Id, entry.Port, ct) is not { } port)
                    {
                        throw new DeploymentFailedException($"Parked container {ProjectContainers.NameOf(c)} publishes no loopback port for {entry.Service}:{entry.Port}.");
                    }

                    // A daemon restart gives a restarted container a new loopback port: the server must point at the one it has now.
                    var existing = servers.FirstOrDefault(s => s.Name == name);
                    if (existing is not null && existing.Address.EndsWith(":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
                    {
                        continue;
                    }

                    if (existing is not null)
                    {
                        await edge.RemoveServerAsync(entry, name, ct);
                    }

                    await edge.AddServerAsync(entry, name, port, 100, EdgeServerState.Maint, ct);
                }
            }
        });
        await j.ProgressAsync("traffic", $"switching back to revision {parked.Revision}", 50);
        await j.StepAsync("switch-back", new { from = current, to = parked.Revision }, async ct =>
        {
            foreach (var entry in parked.Entries)
            {
                var servers = await edge.ServersAsync(entry, ct);
                await edge.ApplyAsync(entry, servers.Where(s => s.Revision == parked.Revision).Select(s => (s.Name, (int?)100, (EdgeServerState?)EdgeServerState.Ready))
                    .Concat(servers.Where(s => s.Revision == current).Select(s => (s.Name, (int?)null, (EdgeServerState?)EdgeServerState.Drain))), ct);
            }
        });
        rollouts.Unpark(deployment.Id);
        await j.ProgressAsync("drain", $"draining revision {current}", 70);
        await j.StepAsync("drain", new { revision = current }, async ct =>
        {
            foreach (var entry in parked.Entries)
            {
                foreach (var server in (await edge.ServersAsync(entry, ct)).Where(s => s.Revision == current))
                {
                    await edge.RemoveServerAsync(entry, server.Name, ct);
                }
            }

            foreach (var c in await new ProjectContainers(docker).ListAsync(parked.Project, ct))
            {
                if (ProjectContainers.RevisionOf(c) == current && parked.Entries.Any(e => e.Service == ProjectContainers.ServiceOf(c)))
                {
                    await docker.ContainerStopAsync(c.Id, null, ct);
                    await docker.ContainerRemoveAsync(c.Id, ct);
                }
            }
        });
        var revision = await store.Revisions.GetAsync(deployment.Id, parked.Revision, CancellationToken.None);
        await store.Deployments.SetRunningRevisionAsync(deployment.Id, revision?.StackId ?? parked.StackId, deployment.ProductId,
            revision?.Version ?? parked.Version, parked.Revision, true, CancellationToken.None);
        return true;
    }

    /// <summary>Removes parked colors whose keep time is over (call periodically and at start).</summary>
    /// <param name="deploymentId">Only this deployment's parked color (the caller opened its environment's engine); null: all.</param>
    public async Task SweepAsync(IDockerEngine docker, CancellationToken ct, string? deploymentId = null)
    {
        ArgumentNullException.ThrowIfNull(docker);
        foreach (var parked in rollouts.Expired(time.GetUtcNow()).Where(p => deploymentId is null || p.DeploymentId == deploymentId))
        {
            if (rollouts.Get(parked.DeploymentId) is not null)
            {
                continue;
            }

            // Unparked first, so a switch back cannot pick it while it is being removed; parked again if the removal fails,
            // so the next sweep retries instead of leaking the containers.
            rollouts.Unpark(parked.DeploymentId);
            try
            {
                foreach (var entry in parked.Entries)
                {
                    foreach (var server in (await edge.ServersAsync(entry, ct)).Where(s => s.Revision == parked.Revision))
                    {
                        await edge.RemoveServerAsync(entry, server.Name, ct);
                    }
                }

                foreach (var id in parked.ContainerIds)
                {
                    await docker.ContainerRemoveAsync(id, ct);
                }
            }
            catch
            {
                rollouts.Park(parked);
                throw;
            }
        }
    }
}
