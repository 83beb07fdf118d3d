using Tidegate.Core.Deployments;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Engine;

internal enum DriftKind
{
    ContainerMissing,
    ImageChanged,
    UnknownContainer,
}

internal sealed record DriftFinding(string Project, DriftKind Kind, string Detail);

/// <summary>Drift made outside Tidegate: containers with Tidegate's labels that belong to no deployment, services of the
/// running revision without a container, containers of another revision, images that are not the recorded digest.</summary>
internal sealed class DriftCheck(TidegateStore store, IDockerEngineFactory engines, EngineOptions options)
{
    public async Task<IReadOnlyList<DriftFinding>> FindAsync(CancellationToken ct)
    {
        var findings = new List<DriftFinding>();
        foreach (var environment in (await store.Environments.ListAsync(Page.First(Page.MaxLimit), ct)).Items)
        {
            using var docker = engines.Open(environment);
            var deployments = (await store.Deployments.ListAsync(environment.Id, Page.First(Page.MaxLimit), ct)).Items;
            List<ContainerSummary> ours;
            try
            {
                ours = [.. await docker.ContainersAsync([EngineLabels.Filter(EngineLabels.Managed, "true"), .. options.ExtraLabels.Select(l => $"{l.Key}={l.Value}")], ct)];
            }
            catch (Exception ex) when (ex is Docker.DockerUnreachableException or HttpRequestException)
            {
                continue;
            }

            var known = deployments.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
            findings.AddRange(ours.Where(c => !known.Contains(c.Labels?.GetValueOrDefault(EngineLabels.Project) ?? string.Empty))
                .Select(c => new DriftFinding(c.Labels?.GetValueOrDefault(EngineLabels.Project) ?? "?", DriftKind.UnknownContainer,
                    $"container {ProjectContainers.NameOf(c)} carries Tidegate labels but belongs to no deployment")));
            foreach (var d in deployments.Where(d => d.CurrentRevision is not null))
            {
                findings.AddRange(await DeploymentDriftAsync(docker, d, ours.Where(c => c.Labels?.GetValueOrDefault(EngineLabels.Project) == d.Name).ToList(), ct));
            }
        }

        return findings;
    }

    private async Task<IEnumerable<DriftFinding>> DeploymentDriftAsync(IDockerEngine docker, DeploymentRecord d, IReadOnlyList<ContainerSummary> containers, CancellationToken ct)
    {
        var revision = await store.Revisions.GetAsync(d.Id, d.CurrentRevision!.Value, ct);
        var stored = revision is null ? null : OperationJournal.Deserialize<StoredDefinition>(revision.Definition);
        if (revision is null || stored is null)
        {
            return [];
        }

        var findings = new List<DriftFinding>();
        var template = stored.Load(ct);
        var services = template.Preview?.Services.Select(s => s.Name).ToList() ?? [];
        foreach (var service in services.Where(s => containers.All(c => ProjectContainers.ServiceOf(c) != s)))
        {
            findings.Add(new DriftFinding(d.Name, DriftKind.ContainerMissing, $"service {service} of revision {revision.Number} has no container"));
        }

        foreach (var c in containers)
        {
            if (ProjectContainers.RevisionOf(c) != revision.Number && !ProjectContainers.IsRetired(c))
            {
                findings.Add(new DriftFinding(d.Name, DriftKind.UnknownContainer,
                    $"container {ProjectContainers.NameOf(c)} is labelled revision {ProjectContainers.RevisionOf(c)}, the deployment runs {revision.Number}"));
            }
            else if (c.Image is { } image && revision.ImageDigests.TryGetValue(image, out var recorded) && !await RunsRecordedImageAsync(docker, c, recorded, ct))
            {
                findings.Add(new DriftFinding(d.Name, DriftKind.ImageChanged, $"container {ProjectContainers.NameOf(c)} runs {c.ImageId}, revision {revision.Number} recorded {recorded}"));
            }
        }

        return findings;
    }

    /// <summary>The recorded digest is either the local image id or a repository digest of the image the container runs.</summary>
    private static async Task<bool> RunsRecordedImageAsync(IDockerEngine docker, ContainerSummary c, string recorded, CancellationToken ct)
    {
        if (recorded.StartsWith("sha256:", StringComparison.Ordinal))
        {
            return c.ImageId == recorded;
        }

        var inspect = c.ImageId is null ? null : await docker.ImageInspectAsync(c.ImageId, ct);
        return inspect?.RepoDigests?.Contains(recorded) ?? true;
    }
}
