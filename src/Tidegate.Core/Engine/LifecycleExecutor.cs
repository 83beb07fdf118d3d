using Tidegate.Docker.Containers;

namespace Tidegate.Core.Engine;

/// <summary>Start, stop and remove of the containers that exist. Order comes from the containers' own
/// com.docker.compose.depends_on labels, so it needs neither the definition nor a plan.</summary>
internal sealed class LifecycleExecutor(IDockerEngine docker, EngineOptions options, TimeProvider time)
{
    public IDockerEngine Docker => docker;

    private readonly ProjectContainers _containers = new(docker);
    private readonly ContainerWaits _waits = new(docker, options, time);

    /// <summary>Starts in dependency order; each wave is awaited (healthy, or exited 0 for one-offs a dependent waits on) before the next.
    /// <paramref name="include"/> limits the start to some containers (a dependency outside the selection counts as met).</summary>
    public async Task StartAsync(OperationJournal j, string project, Func<ContainerSummary, bool>? include = null)
    {
        var waves = Waves([.. (await CurrentAsync(project, j.Stopping)).Where(include ?? (_ => true))]);
        var total = waves.Sum(w => w.Count);
        var done = 0;
        var completionTargets = CompletionTargets(waves.SelectMany(w => w));
        foreach (var wave in waves)
        {
            await Task.WhenAll(wave.Select(c => j.StepAsync("start", new { name = ProjectContainers.NameOf(c) }, ct => docker.ContainerStartAsync(c.Id, ct))));
            await Task.WhenAll(wave.Select(c => completionTargets.Contains(ProjectContainers.ServiceOf(c))
                ? _waits.WaitCompletedAsync(ProjectContainers.ServiceOf(c), c.Id, j.Stopping)
                : _waits.WaitHealthyAsync(ProjectContainers.ServiceOf(c), c.Id, null, j.Stopping)));
            done += wave.Count;
            await j.ProgressAsync("start", $"started {string.Join(", ", wave.Select(ProjectContainers.ServiceOf).Distinct())}", 10 + (85 * done / Math.Max(total, 1)),
                ProjectContainers.ServiceOf(wave[^1]), total, done);
        }
    }

    /// <summary>Stops in reverse dependency order; each container's own stop timeout (stop_grace_period) and stop signal apply.
    /// <paramref name="include"/> limits the stop to some containers (maintenance keeps the labelled ones running); the order
    /// still comes from the whole project.</summary>
    public async Task StopAsync(OperationJournal j, string project, Func<ContainerSummary, bool>? include = null)
    {
        var waves = Waves(await CurrentAsync(project, j.Stopping)).Select(w => (IReadOnlyList<ContainerSummary>)[.. w.Where(include ?? (_ => true))])
            .Where(w => w.Count > 0).ToList();
        var total = waves.Sum(w => w.Count);
        var done = 0;
        foreach (var wave in waves.AsEnumerable().Reverse())
        {
            await Task.WhenAll(wave.Where(c => c.State is "running" or "restarting" or "paused")
                .Select(c => j.StepAsync("stop", new { name = ProjectContainers.NameOf(c) }, ct => docker.ContainerStopAsync(c.Id, null, ct))));
            done += wave.Count;
            await j.ProgressAsync("stop", $"stopped {string.Join(", ", wave.Select(ProjectContainers.ServiceOf).Distinct())}", 10 + (85 * done / Math.Max(total, 1)),
                ProjectContainers.ServiceOf(wave[^1]), total, done);
        }
    }

    /// <summary>Removes every container and managed network of the project; volumes only when asked.</summary>
    public async Task RemoveAsync(OperationJournal j, string environmentId, string project, bool removeVolumes)
    {
        await StopAsync(j, project);
        foreach (var c in await _containers.ListAsync(project, j.Stopping))
        {
            await j.StepAsync("remove-container", new { name = ProjectContainers.NameOf(c) }, ct => docker.ContainerRemoveAsync(c.Id, ct));
        }

        var labels = new[] { EngineLabels.Filter(EngineLabels.Project, project), EngineLabels.Filter(EngineLabels.Managed, "true") };
        foreach (var n in await docker.NetworksAsync(labels, j.Stopping))
        {
            await j.StepAsync("remove-network", new { name = n.Name }, ct => docker.NetworkRemoveAsync(n.Name ?? n.Id, ct));
        }

        if (removeVolumes)
        {
            foreach (var v in await docker.VolumesAsync(labels, j.Stopping))
            {
                await j.StepAsync("remove-volume", new { name = v.Name }, ct => docker.VolumeRemoveAsync(v.Name, ct));
            }
        }

        // Written secrets and configs go with their containers; they are values, not data a user keeps.
        await j.StepAsync("remove-files", null, _ =>
        {
            MountedFiles.DeleteProject(options.FilesDirectoryFor(environmentId), project);
            return Task.CompletedTask;
        });
    }

    private async Task<IReadOnlyList<ContainerSummary>> CurrentAsync(string project, CancellationToken ct) =>
        (await _containers.ListAsync(project, ct)).Where(c => !ProjectContainers.IsRetired(c)).ToList();

    internal static IReadOnlyDictionary<string, IReadOnlyList<(string Service, string Condition)>> Dependencies(IEnumerable<ContainerSummary> containers) =>
        containers.GroupBy(ProjectContainers.ServiceOf).ToDictionary(g => g.Key, g =>
            (IReadOnlyList<(string, string)>)(g.First().Labels?.GetValueOrDefault(EngineLabels.DependsOn) is { Length: > 0 } label
                ? label.Split(',').Select(d => d.Split(':')).Select(p => (p[0], p.Length > 1 ? p[1] : "service_started")).ToList()
                : []));

    internal static IReadOnlyList<IReadOnlyList<ContainerSummary>> Waves(IReadOnlyList<ContainerSummary> containers)
    {
        var deps = Dependencies(containers);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var rest = deps.Keys.ToList();
        var waves = new List<IReadOnlyList<ContainerSummary>>();
        while (rest.Count > 0)
        {
            var wave = rest.Where(s => deps[s].All(d => placed.Contains(d.Service) || !deps.ContainsKey(d.Service))).ToList();
            if (wave.Count == 0)
            {
                wave = rest;
            }

            waves.Add(containers.Where(c => wave.Contains(ProjectContainers.ServiceOf(c))).ToList());
            placed.UnionWith(wave);
            rest.RemoveAll(wave.Contains);
        }

        return waves;
    }

    private static HashSet<string> CompletionTargets(IEnumerable<ContainerSummary> containers) =>
        Dependencies(containers).Values.SelectMany(d => d).Where(d => d.Condition == "service_completed_successfully")
            .Select(d => d.Service).ToHashSet(StringComparer.Ordinal);
}
