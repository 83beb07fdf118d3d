using System.Globalization;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Engine;

/// <summary>An old container stopped and renamed while a new revision starts; restoring it is rename + start.</summary>
internal sealed record RetiredContainer(string Id, string OriginalName, string Service, bool WasRunning);

/// <summary>The containers of one compose project as they really exist, and the retire/restore moves
/// shared by the executor and the reconciler.</summary>
internal sealed class ProjectContainers(IDockerEngine docker)
{
    public const string RetiredMarker = "-old-r";

    /// <summary>The project's own containers; hook one-offs (<see cref="HookRunner.HookLabel"/>) are not part of any revision.</summary>
    public async Task<IReadOnlyList<ContainerSummary>> ListAsync(string project, CancellationToken ct) =>
        [.. (await docker.ContainersAsync([EngineLabels.Filter(EngineLabels.Project, project), EngineLabels.Filter(EngineLabels.Managed, "true")], ct))
            .Where(c => c.Labels?.ContainsKey(HookRunner.HookLabel) != true)];

    public async Task<IReadOnlyList<ContainerSummary>> OfRevisionAsync(string project, int revision, CancellationToken ct) =>
        (await ListAsync(project, ct)).Where(c => RevisionOf(c) == revision).ToList();

    /// <summary>The com.docker.compose.container-number label (1 when absent).</summary>
    public static int NumberOf(ContainerSummary c) =>
        int.TryParse(c.Labels?.GetValueOrDefault(EngineLabels.ContainerNumber), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 1;

    public static int? RevisionOf(ContainerSummary c) =>
        c.Labels is { } l && l.TryGetValue(EngineLabels.Revision, out var r) && int.TryParse(r, CultureInfo.InvariantCulture, out var n) ? n : null;

    public static string ServiceOf(ContainerSummary c) => c.Labels?.GetValueOrDefault(EngineLabels.Service) ?? string.Empty;

    public static string NameOf(ContainerSummary c) => c.Names is { Count: > 0 } names ? names[0].TrimStart('/') : c.Id;

    public static bool IsRetired(ContainerSummary c) => NameOf(c).Contains(RetiredMarker, StringComparison.Ordinal);

    public static string RetiredName(string name, int revision) => $"{name}{RetiredMarker}{revision.ToString(CultureInfo.InvariantCulture)}";

    public static string OriginalName(string retiredName)
    {
        var at = retiredName.LastIndexOf(RetiredMarker, StringComparison.Ordinal);
        return at < 0 ? retiredName : retiredName[..at];
    }

    /// <summary>Stops (with the container's own stop timeout) and renames one old container out of the way.</summary>
    public async Task<RetiredContainer> RetireAsync(ContainerSummary c, CancellationToken ct)
    {
        var name = NameOf(c);
        var wasRunning = c.State is "running" or "restarting";
        if (wasRunning)
        {
            await docker.ContainerStopAsync(c.Id, null, ct);
        }

        if (!IsRetired(c))
        {
            await docker.ContainerRenameAsync(c.Id, RetiredName(name, RevisionOf(c) ?? 0), ct);
        }

        return new RetiredContainer(c.Id, OriginalName(name), ServiceOf(c), wasRunning);
    }

    /// <summary>Gives a retired container its name back and starts it if it ran before.</summary>
    public async Task RestoreAsync(RetiredContainer retired, CancellationToken ct)
    {
        var current = await docker.ContainerInspectAsync(retired.Id, ct);
        if (current is null)
        {
            return;
        }

        if (current.Name?.TrimStart('/') != retired.OriginalName)
        {
            await docker.ContainerRenameAsync(retired.Id, retired.OriginalName, ct);
        }

        if (retired.WasRunning)
        {
            await docker.ContainerStartAsync(retired.Id, ct);
        }
    }

    /// <summary>Orders services so dependents come after their dependencies, using the plan where it knows them.</summary>
    public static IEnumerable<ContainerSummary> InStartOrder(IEnumerable<ContainerSummary> containers, DeploymentPlan? plan)
    {
        var rank = plan?.Waves().SelectMany((wave, i) => wave.Select(s => (s.Name, i))).ToDictionary(x => x.Name, x => x.i) ?? [];
        return containers.OrderBy(c => rank.GetValueOrDefault(ServiceOf(c), -1)).ThenBy(NameOf, StringComparer.Ordinal);
    }
}
