using System.Globalization;

namespace Tidegate.Core.Edge;

/// <summary>One published HTTP entry of a deployment: a frontend listening on <see cref="Listen"/> that forwards to
/// container port <see cref="Port"/> of <see cref="Service"/>. Declared in x-tidegate.edge.entries. MaxConnPerServer
/// makes HAProxy queue instead of overrunning an application that accepts few connections at once; ServerTimeoutMs
/// (default 30 s) bounds the wait for an answer, after which a GET is retried. <see cref="Environment"/> is the id of the
/// deployment's environment (deployments of the same name in two environments are two owners); empty for an entry
/// registered before entries carried it until <see cref="EdgeRegistry.AdoptUnowned"/> gives it one.</summary>
internal sealed record EdgeEntry(
    string Deployment, string Service, int Port, string Listen, string HealthPath = "/health", int RetryAfterSeconds = 30, bool Sticky = false,
    int? MaxConnPerServer = null, int? ServerTimeoutMs = null, string Environment = "")
{
    /// <summary>Injective over (environment, deployment, service, port): see <see cref="EdgeNames"/>.</summary>
    public string Key => EdgeNames.Key(Environment, Deployment, Service, Port);

    public string Frontend => "fe_" + Key;

    public string Backend => "be_" + Key;

    public string Cookie => "TG_" + Key;

    public string Owner => EdgeNames.Owner(Environment, Deployment);

    /// <summary>Whether the deployment <paramref name="deployment"/> of <paramref name="environment"/> owns this entry.
    /// An entry without an environment (see <see cref="EdgeRegistry.AdoptUnowned"/>) is owned by no deployment.</summary>
    public bool IsOwnedBy(string environment, string deployment) =>
        Environment.Length > 0 && Deployment == deployment && Environment == environment;
}

/// <summary>What the edge must serve, persisted beside its configuration: every deployment's entries and which
/// deployments are in maintenance. The HAProxy configuration is rendered from it.</summary>
internal sealed record EdgeRegistry
{
    public List<EdgeEntry> Entries { get; init; } = [];

    /// <summary>Owners (<see cref="EdgeEntry.Owner"/>) in maintenance.</summary>
    public SortedSet<string> Maintenance { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Entries registered before entries carried their environment get the environment of the one deployment of
    /// their name (<paramref name="environmentsOf"/>: the environments that hold a deployment of a name). A name that
    /// several environments hold, or none, stays unowned: served as it is, changed by no deployment, since giving it to
    /// the first caller would let a deployment of another environment take over or remove it. Returns those names.</summary>
    public IReadOnlyList<string> AdoptUnowned(Func<string, IReadOnlyCollection<string>> environmentsOf)
    {
        ArgumentNullException.ThrowIfNull(environmentsOf);
        var unowned = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Entries.Count; i++)
        {
            var entry = Entries[i];
            if (entry.Environment.Length > 0)
            {
                continue;
            }

            var environments = environmentsOf(entry.Deployment);
            if (environments.Count != 1)
            {
                unowned.Add(entry.Deployment);
                continue;
            }

            var adopted = entry with { Environment = environments.First() };
            Entries[i] = adopted;
            if (Maintenance.Remove(entry.Owner))
            {
                Maintenance.Add(adopted.Owner);
            }
        }

        return [.. unowned];
    }

    /// <summary>A registry written before entries carried their environment lists bare deployment names as in maintenance:
    /// each becomes the owners of that name's entries.</summary>
    public void UpgradeMaintenanceFlags()
    {
        foreach (var bare in Maintenance.Where(m => !m.Contains('.', StringComparison.Ordinal)).ToList())
        {
            Maintenance.Remove(bare);
            Maintenance.UnionWith(Entries.Where(e => e.Deployment == bare).Select(e => e.Owner));
        }
    }

    /// <summary>The secret HAProxy hashes server addresses with for sticky (dynamic) cookies.</summary>
    public string CookieKey { get; init; } = Guid.NewGuid().ToString("N");
}

internal enum EdgeServerState
{
    Ready,
    Drain,
    Maint,
}

/// <summary>A server of a backend as HAProxy reports it. Name is r{revision}-{container number}.</summary>
internal sealed record EdgeServer(string Name, string Address, int Weight, string Status, long CurrentSessions)
{
    public int? Revision => ParseRevision(Name);

    public static string NameFor(int revision, int number) =>
        $"r{revision.ToString(CultureInfo.InvariantCulture)}-{number.ToString(CultureInfo.InvariantCulture)}";

    public static int? ParseRevision(string name)
    {
        if (!name.StartsWith('r'))
        {
            return null;
        }

        var dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash > 1 && int.TryParse(name.AsSpan(1, dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : null;
    }
}

/// <summary>GET /api/edge: every frontend with its backend's servers.</summary>
internal sealed record EdgeStatus(bool Running, int? Pid, string ConfigPath, IReadOnlyList<EdgeFrontendStatus> Frontends);

internal sealed record EdgeFrontendStatus(
    string Name, string Deployment, string Service, int Port, string Listen, bool Maintenance, string Backend, IReadOnlyList<EdgeServerStatus> Servers);

internal sealed record EdgeServerStatus(string Name, int? Revision, string Address, int Weight, string State, long Sessions, long Requests, long Errors);

/// <summary>Request and error counters of one revision's servers, summed over an entry's backend.</summary>
internal sealed record EdgeCounters(int Revision, long Requests, long Errors, long AvgResponseMs, long MaxResponseMs, bool AnyDown)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    public EdgeCounters Since(EdgeCounters? start) => start is null
        ? this
        : this with { Requests = Math.Max(0, Requests - start.Requests), Errors = Math.Max(0, Errors - start.Errors) };
}
