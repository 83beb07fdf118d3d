using System.Globalization;
using Tidegate.Core.Engine;
using Tidegate.Core.Health;
using Tidegate.Core.Store;

namespace Tidegate.Core.Deployments;

internal sealed record ContainerStatus(
    string Id, string Name, string Service, int? Revision, string State, string? Health, HealthState Verdict, int RestartCount,
    string Image, string? ImageDigest, IReadOnlyList<string> Ports);

internal sealed record ServiceStatus(string Name, HealthState Health, IReadOnlyList<ContainerStatus> Containers);

internal sealed record DeploymentStatus(
    string DeploymentId, string Name, string StackId, string Version, int? CurrentRevision, OperationMode Mode, HealthState Health,
    IReadOnlyList<ServiceStatus> Services, string? RunningOperationId);

/// <summary>Reads status from what really runs: one inspect per container of the project.</summary>
internal static class DeploymentStatusReader
{
    public static async Task<DeploymentStatus> ReadAsync(IDockerEngine docker, DeploymentRecord deployment, string? runningOperationId, CancellationToken ct)
    {
        var containers = (await new ProjectContainers(docker).ListAsync(deployment.Name, ct)).Where(c => !ProjectContainers.IsRetired(c)).ToList();
        var oneOffs = LifecycleExecutor.Dependencies(containers).Values.SelectMany(d => d)
            .Where(d => d.Condition == "service_completed_successfully").Select(d => d.Service).ToHashSet(StringComparer.Ordinal);
        var statuses = new List<ContainerStatus>();
        foreach (var c in containers)
        {
            var inspect = await docker.ContainerInspectAsync(c.Id, ct);
            var service = ProjectContainers.ServiceOf(c);
            var image = await docker.ImageInspectAsync(inspect?.Image ?? c.ImageId ?? c.Image ?? string.Empty, ct);
            var ports = inspect?.NetworkSettings?.Ports?
                .SelectMany(p => (p.Value ?? []).Select(b => $"{b.HostIp}:{b.HostPort}->{p.Key}"))
                .ToList() ?? [];
            statuses.Add(new ContainerStatus(c.Id, ProjectContainers.NameOf(c), service, ProjectContainers.RevisionOf(c),
                inspect?.State?.Status ?? c.State ?? "unknown", inspect?.State?.Health?.Status,
                HealthRules.InMode(HealthRules.OfContainer(inspect?.State, inspect?.RestartCount ?? 0, oneOffs.Contains(service)), deployment.Mode,
                    inspect?.State?.Running ?? c.State == "running", MaintenanceLabels.KeepsRunning(c)), inspect?.RestartCount ?? 0,
                c.Image ?? string.Empty, image is null ? c.ImageId : DeployExecutor.Digest(c.Image ?? string.Empty, image), ports));
        }

        var services = statuses.GroupBy(s => s.Service)
            .Select(g => new ServiceStatus(g.Key, HealthRules.Fold(g.Select(x => x.Verdict).ToList()), g.OrderBy(x => x.Name, StringComparer.Ordinal).ToList()))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        // A finished one-off (a migration) says nothing about whether the application runs.
        var longRunning = services.Where(s => !oneOffs.Contains(s.Name)).ToList();
        var health = HealthRules.Fold((longRunning.Count > 0 ? longRunning : services).Select(s => s.Health).ToList());
        return new DeploymentStatus(deployment.Id, deployment.Name, deployment.StackId, deployment.Version, deployment.CurrentRevision, deployment.Mode,
            health, services, runningOperationId);
    }

    public static string Describe(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "none";
}
