using Tidegate.Core.Definitions.Compose;
using Tidegate.Docker.Containers;
using Tidegate.Docker.Networks;
using Tidegate.Docker.Volumes;

namespace Tidegate.Core.Engine;

/// <summary>Everything the executor creates for one revision of a deployment, computed without a daemon.</summary>
internal sealed record DeploymentPlan(
    string Project, int Revision, IReadOnlyList<PlannedNetwork> Networks, IReadOnlyList<PlannedVolume> Volumes,
    IReadOnlyList<PlannedService> Services)
{
    /// <summary>Secrets and configs the executor writes before it creates containers (those that are not host files).</summary>
    public IReadOnlyList<PlannedFile> Files { get; init; } = [];

    public PlannedService Service(string name) => Services.First(s => s.Name == name);

    public IEnumerable<string> Images => Services.Select(s => s.Image).Distinct(StringComparer.Ordinal);

    /// <summary>Services grouped into waves: every service's dependencies are in an earlier wave. Used for
    /// stop (reverse) order; start order awaits each dependency's condition individually.</summary>
    public IReadOnlyList<IReadOnlyList<PlannedService>> Waves()
    {
        var waves = new List<IReadOnlyList<PlannedService>>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var rest = Services.ToList();
        while (rest.Count > 0)
        {
            var wave = rest.Where(s => s.DependsOn.Keys.All(d => placed.Contains(d) || Services.All(x => x.Name != d))).ToList();
            if (wave.Count == 0)
            {
                // A cycle: the validator reports it; here we only must not loop forever.
                wave = rest;
            }

            waves.Add(wave);
            placed.UnionWith(wave.Select(s => s.Name));
            rest.RemoveAll(wave.Contains);
        }

        return waves;
    }
}

/// <summary>External networks are referenced (they must exist), never created or removed.</summary>
internal sealed record PlannedNetwork(string Key, string Name, bool External, NetworkCreateRequest Create);

internal sealed record PlannedVolume(string Key, string Name, bool External, VolumeCreateRequest Create);

internal sealed record PlannedService(
    string Name, string Image, string? PullPolicy, IReadOnlyDictionary<string, ServiceDependency> DependsOn, bool HasHealthCheck,
    TimeSpan? StopTimeout, string ConfigHash, IReadOnlyList<PlannedContainer> Containers);

/// <summary>Create parameters plus the networks joined after create (API 1.41 accepts one network at create).</summary>
internal sealed record PlannedContainer(string Service, string Name, int Number, ContainerCreateRequest Create, IReadOnlyList<NetworkAttachment> ExtraNetworks);

internal sealed record NetworkAttachment(string Network, IReadOnlyList<string> Aliases);

/// <summary>A secret or config value (from <c>environment</c> or <c>content</c>) written to <see cref="Path"/> to be bind-mounted
/// read-only. The path is named by a keyed digest of the content, so containers of an earlier revision keep their own file
/// and an unchanged value keeps the service's config hash. Content is never logged, journaled or printed.</summary>
internal sealed record PlannedFile(string Path, string Content, UnixFileMode Mode)
{
    public override string ToString() => $"{nameof(PlannedFile)} {{ Path = {Path} }}";
}
