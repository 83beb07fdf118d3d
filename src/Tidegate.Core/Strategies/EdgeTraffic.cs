using System.Globalization;
using Tidegate.Core.Edge;
using Tidegate.Core.Engine;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Strategies;

/// <summary>The edge moves the strategies are made of: servers for containers, weights, the blue-green switch, waiting
/// for HAProxy's check, the smoke test and the candidate's counters. Servers are named r{revision}-{container number}.</summary>
internal sealed class EdgeTraffic(HaproxyEdge edge, IDockerEngine docker, EngineOptions options, TimeProvider time)
{
    public const int FullWeight = 100;

    /// <summary>HTTP client for smoke tests (127.0.0.1 only).</summary>
    public static HttpClient SmokeClient { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<EdgeCounters> CandidateCountersAsync(IReadOnlyList<EdgeEntry> entries, int revision, CancellationToken ct)
    {
        var all = new List<EdgeCounters>();
        foreach (var e in entries)
        {
            all.AddRange((await edge.CountersAsync(e, ct)).Where(c => c.Revision == revision));
        }

        return new EdgeCounters(revision, all.Sum(c => c.Requests), all.Sum(c => c.Errors),
            all.Count == 0 ? 0 : (long)all.Average(c => c.AvgResponseMs), all.Count == 0 ? 0 : all.Max(c => c.MaxResponseMs), all.Any(c => c.AnyDown));
    }

    /// <summary>Blue-green's switch: the new color at full weight and the old one draining, in one Runtime API call per entry.</summary>
    public async Task SwitchAsync(IReadOnlyList<EdgeEntry> entries, int to, int from, CancellationToken ct)
    {
        foreach (var e in entries)
        {
            var servers = await edge.ServersAsync(e, ct);
            var changes = servers.Where(s => s.Revision == to).Select(s => (s.Name, (int?)FullWeight, (EdgeServerState?)EdgeServerState.Ready))
                .Concat(servers.Where(s => s.Revision == from).Select(s => (s.Name, (int?)null, (EdgeServerState?)EdgeServerState.Drain)));
            await edge.ApplyAsync(e, changes, ct);
        }
    }

    public async Task SetWeightsAsync(IReadOnlyList<EdgeEntry> entries, int revision, int weight, int? other, int otherWeight, CancellationToken ct)
    {
        foreach (var e in entries)
        {
            var servers = await edge.ServersAsync(e, ct);
            var changes = servers.Where(s => s.Revision == revision)
                .Select(s => (s.Name, (int?)weight, (EdgeServerState?)EdgeServerState.Ready)).ToList();
            if (other is { } o)
            {
                changes.AddRange(servers.Where(s => s.Revision == o)
                    .Select(s => (s.Name, (int?)otherWeight, (EdgeServerState?)(otherWeight > 0 ? EdgeServerState.Ready : EdgeServerState.Drain))));
            }

            await edge.ApplyAsync(e, changes, ct);
        }
    }

    /// <summary>Every container of an entry's service becomes a server r{revision}-{number} (kept if present).</summary>
    public async Task EnsureServersAsync(IReadOnlyList<EdgeEntry> entries, IReadOnlyList<ContainerSummary> containers, int revision, int weight, CancellationToken ct)
    {
        foreach (var e in entries)
        {
            var existing = await edge.ServersAsync(e, ct);
            foreach (var c in containers.Where(c => ProjectContainers.ServiceOf(c) == e.Service))
            {
                var name = EdgeServer.NameFor(revision, ProjectContainers.NumberOf(c));
                if (existing.Any(s => s.Name == name))
                {
                    continue;
                }

                if (await RolloutSteps.LoopbackPortAsync(docker, c.Id, e.Port, ct) is not { } hostPort)
                {
                    // Started by an executor that did not publish the edge port: the edge cannot reach it.
                    continue;
                }

                await edge.AddServerAsync(e, name, hostPort, weight, EdgeServerState.Ready, ct);
            }
        }
    }

    public async Task WaitUpAsync(IReadOnlyList<EdgeEntry> entries, int revision, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + options.HealthTimeout;
        while (true)
        {
            var down = new List<string>();
            foreach (var e in entries)
            {
                var servers = (await edge.ServersAsync(e, ct)).Where(s => s.Revision == revision).ToList();
                if (servers.Count == 0)
                {
                    throw new DeploymentFailedException($"The edge has no server for {e.Service}:{e.Port} of revision {revision}.");
                }

                down.AddRange(servers.Where(s => !s.Status.StartsWith("UP", StringComparison.Ordinal) || s.Status.StartsWith("UP ", StringComparison.Ordinal))
                    .Select(s => $"{e.Backend}/{s.Name} ({s.Status})"));
            }

            if (down.Count == 0)
            {
                return;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new DeploymentFailedException("The edge's health check does not pass for " + string.Join(", ", down) + ".");
            }

            await Task.Delay(options.PollInterval, time, ct);
        }
    }

    public async Task SmokeTestAsync(IReadOnlyList<EdgeEntry> entries, IReadOnlyList<ContainerSummary> candidates, SmokeTest smoke, CancellationToken ct)
    {
        foreach (var e in entries)
        {
            foreach (var c in candidates.Where(c => ProjectContainers.ServiceOf(c) == e.Service))
            {
                var port = await RolloutSteps.LoopbackPortAsync(docker, c.Id, e.Port, ct)
                           ?? throw new DeploymentFailedException($"Smoke test: {ProjectContainers.NameOf(c)} has no port published on 127.0.0.1 for {e.Port}.");
                var url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{smoke.Path}");
                using var response = await SmokeClient.GetAsync(url, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if ((int)response.StatusCode != smoke.ExpectStatus)
                {
                    throw new DeploymentFailedException(
                        $"Smoke test failed: GET {smoke.Path} on {ProjectContainers.NameOf(c)} answered {(int)response.StatusCode}, expected {smoke.ExpectStatus}.");
                }

                if (smoke.ExpectBody is { } expected && !body.Contains(expected, StringComparison.Ordinal))
                {
                    throw new DeploymentFailedException(
                        $"Smoke test failed: GET {smoke.Path} on {ProjectContainers.NameOf(c)} did not contain '{expected}' (got '{Shorten(body.Trim())}').");
                }
            }
        }
    }


    private static string Shorten(string value) => value.Length > 80 ? value[..77] + "..." : value;
}
