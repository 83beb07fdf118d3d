using System.Globalization;
using System.Text.Json;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;
using Tidegate.Docker;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Strategies;

/// <summary>The parts of the deploy flow the strategies share with <see cref="DeployExecutor"/> (pull before touch,
/// revision and backup records, networks and volumes), plus starting a subset of a plan's services.</summary>
/// <summary>Steps every executor shares: pull before touch, networks and volumes, backups, metadata, dependency-ordered start.</summary>
internal static class RolloutSteps
{
    public static async Task<Dictionary<string, string>> PullAllAsync(
        TidegateStore store, IDockerEngine docker, OperationJournal j, IReadOnlyList<ServiceDefinition> services, bool force)
    {
        // A user's cancel request (operation cancel) ends the pulls at once; nothing of the running version was touched yet.
        using var cancellable = CancellationTokenSource.CreateLinkedTokenSource(j.Stopping, j.Cancel?.Token ?? CancellationToken.None);
        var token = cancellable.Token;
        var images = services.Where(s => s.Image is not null).GroupBy(s => s.Image!, StringComparer.Ordinal).ToList();
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        var done = 0;
        foreach (var group in images)
        {
            var image = group.Key;
            var policy = group.Select(s => s.PullPolicy).FirstOrDefault(p => p is not null) ?? "missing";
            var platform = group.Select(s => s.Platform).FirstOrDefault(p => !string.IsNullOrEmpty(p));
            var present = await docker.ImageInspectAsync(image, token);
            // An image of another platform is as good as missing: the engine would refuse to create from it, after the
            // running version was already stopped.
            var usable = present is not null && IsFor(present, platform);
            var pull = policy is "always" || (force && policy is not "never") || (!usable && policy is not "never");
            if (!usable && policy is "never")
            {
                throw new DeploymentFailedException(present is null
                    ? $"Image {image} is not present and its pull_policy is never."
                    : $"Image {image} is present for {PlatformOf(present)}, not for {platform}, and its pull_policy is never.");
            }

            if (pull)
            {
                await j.StepAsync("pull", platform is null ? (object)new { image } : new { image, platform }, _ => PullAsync(store, docker, image, platform, token));
                present = await docker.ImageInspectAsync(image, j.Stopping)
                          ?? throw new DeploymentFailedException($"Image {image} is still missing after the pull.");
                if (!IsFor(present, platform))
                {
                    throw new DeploymentFailedException($"Image {image} was pulled for {PlatformOf(present)}, not for {platform}.");
                }
            }

            digests[image] = DeployExecutor.Digest(image, present!);
            done++;
            await j.ProgressAsync("pull", pull ? $"pulled {image}" : $"{image} present", 30 * done / images.Count, group.First().Name, images.Count, done);
        }

        return digests;
    }

    /// <summary>Whether an image suits a service's <c>platform</c> ("os[/arch[/variant]]"; the variant is not compared, the
    /// inspect answer of API 1.41 does not carry it). No platform: any image.</summary>
    internal static bool IsFor(Docker.Images.ImageInspectResponse image, string? platform)
    {
        if (string.IsNullOrEmpty(platform))
        {
            return true;
        }

        var parts = platform.Split('/');
        return string.Equals(parts[0], image.Os, StringComparison.OrdinalIgnoreCase)
               && (parts.Length < 2 || string.Equals(Architecture(parts[1]), Architecture(image.Architecture ?? string.Empty), StringComparison.OrdinalIgnoreCase));
    }

    private static string ForPlatform(string? platform) => platform is null ? string.Empty : " for " + platform;

    private static string PlatformOf(Docker.Images.ImageInspectResponse image) => $"{image.Os}/{image.Architecture}";

    private static string Architecture(string arch) => arch.ToLowerInvariant() switch
    {
        "x86_64" or "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" or "i686" => "386",
        var other => other,
    };

    private static async Task PullAsync(TidegateStore store, IDockerEngine docker, string image, string? platform, CancellationToken ct)
    {
        var credential = await store.RegistryCredentials.GetForPullAsync(DeployExecutor.RegistryHost(image), ct);
        var auth = credential is null ? null : new RegistryAuth(credential.Username, credential.Password, credential.Host);
        try
        {
            await (platform is null ? docker.PullAsync(image, auth, null, ct) : docker.PullAsync(image, platform, auth, null, ct));
        }
        catch (DockerApiException ex)
        {
            throw new DeploymentFailedException($"Pull of {image}{ForPlatform(platform)} failed: {ex.DaemonMessage}");
        }
        catch (Exception ex) when (ex is DockerUnreachableException or DockerConnectionLostException or IOException && !ct.IsCancellationRequested)
        {
            throw new DeploymentFailedException($"Pull of {image}{ForPlatform(platform)} failed: {ex.Message}");
        }
    }

    /// <summary>Creates one planned container (attached to its extra networks) and starts it, each a journaled step.</summary>
    public static async Task<string> CreateAndStartAsync(IDockerEngine docker, OperationJournal j, string service, PlannedContainer c)
    {
        var id = await j.StepAsync("create", new { name = c.Name, service }, async ct =>
        {
            var created = await docker.ContainerCreateAsync(c.Create, c.Name, ct);
            foreach (var extra in c.ExtraNetworks)
            {
                await docker.NetworkConnectAsync(extra.Network, created, extra.Aliases, ct);
            }

            return created;
        });
        await j.StepAsync("start", new { name = c.Name, id }, ct => docker.ContainerStartAsync(id, ct));
        return id;
    }

    public static NewRevision NewRevision(DeployWork work, IReadOnlyDictionary<string, string> digests) =>
        new(work.Deployment.Id, work.StackId, work.Version, work.Definition, work.Variables, digests, work.RequestedBy, work.Reason);

    public static Task<DeploymentMetadata> MetadataAsync(TidegateStore store, OperationJournal j, DeployWork work, int revision,
        IReadOnlyDictionary<string, string> digests, string pull, string deploy, string health) =>
        store.Snapshots.AddMetadataAsync(new NewDeploymentMetadata(work.Deployment.Id, j.Operation.Id, revision, work.Version, digests,
                j.Secrets.Mask(pull), j.Secrets.Mask(deploy), j.Secrets.Mask(health)),
            CancellationToken.None);

    public static async Task BackupAsync(TidegateStore store, OperationJournal j, DeployWork work, int? previous, IReadOnlyList<ContainerSummary> old, CancellationToken ct)
    {
        if (work.SnapshotId is not null)
        {
            return; // the upgrade flow already took the seed's snapshot
        }

        await store.Snapshots.CreateAsync(new NewSnapshot(work.Deployment.Id, j.Operation.Id, previous, work.Deployment.Version,
            previous is null ? "before the first deploy" : $"before replacing revision {previous}", DeployExecutor.SnapshotState(old, work.Stack.Render(), null, j.Secrets)), ct);
    }

    public static async Task PrepareAsync(IDockerEngine docker, OperationJournal j, DeploymentPlan plan)
    {
        if (plan.Files.Count > 0)
        {
            // The journal names the files, never their content.
            await j.StepAsync("write-files", new { files = plan.Files.Select(f => f.Path).ToList() }, ct => MountedFiles.WriteAsync(plan.Files, ct));
        }

        foreach (var n in plan.Networks)
        {
            if (await docker.NetworkInspectAsync(n.Name, j.Stopping) is not null)
            {
                continue;
            }

            if (n.External)
            {
                throw new DeploymentFailedException($"External network {n.Name} does not exist.");
            }

            await j.StepAsync("create-network", new { name = n.Name }, ct => docker.NetworkCreateAsync(n.Create, ct));
        }

        foreach (var v in plan.Volumes)
        {
            if (await docker.VolumeInspectAsync(v.Name, j.Stopping) is not null)
            {
                continue;
            }

            if (v.External)
            {
                throw new DeploymentFailedException($"External volume {v.Name} does not exist.");
            }

            await j.StepAsync("create-volume", new { name = v.Name }, ct => docker.VolumeCreateAsync(v.Create, ct));
        }
    }

    /// <summary>Starts the given services in dependency order; a dependency outside the set is already running.</summary>
    public static async Task StartServicesAsync(IDockerEngine docker, ContainerWaits waits, OperationJournal j, DeploymentPlan plan, IReadOnlyList<PlannedService> services)
    {
        var names = services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var ids = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var count = 0;
        foreach (var service in plan.Waves().SelectMany(w => w).Where(s => names.Contains(s.Name)))
        {
            foreach (var (dependency, spec) in service.DependsOn)
            {
                if (!ids.TryGetValue(dependency, out var depIds))
                {
                    continue;
                }

                foreach (var id in depIds)
                {
                    await (spec.Condition switch
                    {
                        DependencyCondition.ServiceHealthy => waits.WaitHealthyAsync(dependency, id, StartPeriod(plan.Service(dependency)), j.Stopping),
                        DependencyCondition.ServiceCompletedSuccessfully => waits.WaitCompletedAsync(dependency, id, j.Stopping),
                        _ => Task.CompletedTask,
                    });
                }
            }

            var started = new List<string>();
            foreach (var c in service.Containers)
            {
                try
                {
                    var id = await CreateAndStartAsync(docker, j, service.Name, c);
                    started.Add(id);
                }
                catch (DockerApiException ex)
                {
                    throw new DeploymentFailedException($"Starting {c.Name} failed: {ex.DaemonMessage}");
                }
            }

            ids[service.Name] = started;
            count++;
            await j.ProgressAsync("start", $"started {service.Name}", 40 + (15 * count / Math.Max(names.Count, 1)), service.Name, names.Count, count);
        }
    }

    public static async Task VerifyAsync(IDockerEngine docker, ContainerWaits waits, DeploymentPlan plan, IReadOnlyList<PlannedService> services, CancellationToken ct)
    {
        var names = services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var oneOffs = plan.Services.SelectMany(s => s.DependsOn)
            .Where(d => d.Value.Condition == DependencyCondition.ServiceCompletedSuccessfully).Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        var checks = new List<Task>();
        foreach (var c in await new ProjectContainers(docker).OfRevisionAsync(plan.Project, plan.Revision, ct))
        {
            var service = ProjectContainers.ServiceOf(c);
            if (!names.Contains(service))
            {
                continue;
            }

            checks.Add(oneOffs.Contains(service)
                ? waits.WaitCompletedAsync(service, c.Id, ct)
                : waits.WaitHealthyAsync(service, c.Id, StartPeriod(plan.Service(service)), ct));
        }

        await Task.WhenAll(checks);
    }

    /// <summary>The host port Docker picked for <paramref name="containerPort"/> on 127.0.0.1, once the container runs.</summary>
    public static async Task<int?> LoopbackPortAsync(IDockerEngine docker, string containerId, int containerPort, CancellationToken ct)
    {
        var inspect = await docker.ContainerInspectAsync(containerId, ct);
        if (inspect?.NetworkSettings?.Ports is not { } ports
            || !ports.TryGetValue($"{containerPort.ToString(CultureInfo.InvariantCulture)}/tcp", out var bindings) || bindings is null)
        {
            return null;
        }

        return bindings.Where(b => b.HostIp == EngineLabels.Loopback)
            .Select(b => int.TryParse(b.HostPort, CultureInfo.InvariantCulture, out var p) ? p : (int?)null)
            .FirstOrDefault(p => p is not null);
    }

    private static TimeSpan? StartPeriod(PlannedService service) =>
        (service.Containers.Count > 0 ? service.Containers[0] : null)?.Create.Healthcheck?.StartPeriod is { } ns ? TimeSpan.FromTicks(ns / 100) : null;
}
