using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Docker.Containers;
using Tidegate.Docker.Networks;
using Tidegate.Docker.Volumes;
using ComposeRestart = Tidegate.Core.Definitions.Compose.RestartPolicy;
using DockerRestart = Tidegate.Docker.Containers.RestartPolicy;

namespace Tidegate.Core.Engine;

/// <summary>What the planner needs besides the project. ExtraLabels go on every resource (tests use them to own
/// what they create; operators can use them for their own tooling). The rollout strategies add: NameSuffix
/// (appended to every container name, so a second color can run beside the first), Color (the tidegate.color
/// label) and LoopbackPorts (service → container ports additionally published on 127.0.0.1 with a random host
/// port, which is how the edge reaches them). Unset, the plan is exactly what it was without them. FilesDirectory is
/// where secrets and configs that are not host files (environment, content) are written to be bind-mounted.</summary>
internal sealed record PlanInput(
    ComposeProject Project, string DeploymentName, int Revision, string StackId, string Version,
    string? WorkingDir = null, string? ConfigFile = null, IReadOnlyDictionary<string, string>? ExtraLabels = null,
    string? NameSuffix = null, string? Color = null, IReadOnlyDictionary<string, IReadOnlyList<int>>? LoopbackPorts = null,
    string? FilesDirectory = null);

/// <summary>Turns a resolved Compose project into the networks, volumes and containers of one revision,
/// named and labelled like Docker Compose v2.</summary>
internal static class DeploymentPlanner
{
    public const string DefaultNetwork = "default";

    private static readonly JsonSerializerOptions HashJson = new()
    {
        WriteIndented = false,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OmitUnsetLaterFields } },
    };

    public static DeploymentPlan Plan(PlanInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var project = input.DeploymentName;
        var extra = input.ExtraLabels ?? new Dictionary<string, string>();
        var networks = PlanNetworks(input, extra);
        var volumes = input.Project.Volumes.Select(v => PlanVolume(project, v, extra)).ToList();
        var networkNames = networks.ToDictionary(n => n.Key, n => n.Name, StringComparer.Ordinal);
        var volumeNames = volumes.ToDictionary(v => v.Key, v => v.Name, StringComparer.Ordinal);
        var files = new MountedFiles(input);
        var services = input.Project.Services
            .Select(s => PlanService(input, s, networkNames, volumeNames, files, extra))
            .ToList();
        return new DeploymentPlan(project, input.Revision, networks, volumes, services) { Files = files.Written };
    }

    public static string ContainerName(string project, string service, int number) => $"{project}-{service}-{number}";

    private static List<PlannedNetwork> PlanNetworks(PlanInput input, IReadOnlyDictionary<string, string> extra)
    {
        var result = input.Project.Networks.Select(n => PlanNetwork(input.DeploymentName, n, extra)).ToList();
        var needsDefault = input.Project.Services.Any(s => s.NetworkMode is null && (s.Networks.Count == 0 || s.Networks.ContainsKey(DefaultNetwork)));
        if (needsDefault && result.All(n => n.Key != DefaultNetwork))
        {
            result.Insert(0, PlanNetwork(input.DeploymentName, new NetworkDefinition { Key = DefaultNetwork }, extra));
        }

        return result;
    }

    private static PlannedNetwork PlanNetwork(string project, NetworkDefinition n, IReadOnlyDictionary<string, string> extra)
    {
        var external = n.External == true;
        var name = n.Name ?? (external ? n.Key : $"{project}_{n.Key}");
        var labels = new Dictionary<string, string>(n.Labels)
        {
            [EngineLabels.Project] = project,
            [EngineLabels.Network] = n.Key,
            [EngineLabels.Managed] = "true",
        };
        Merge(labels, extra);
        var create = new NetworkCreateRequest
        {
            Name = name,
            Driver = n.Driver,
            Internal = n.Internal,
            Attachable = n.Attachable,
            EnableIpv6 = n.EnableIpv6,
            Options = n.DriverOpts.Count > 0 ? n.DriverOpts : null,
            Ipam = n.IpamSubnets.Count > 0 || n.IpamDriver is not null
                ? new Ipam { Driver = n.IpamDriver, Config = [.. n.IpamSubnets.Select(s => new IpamConfig { Subnet = s })] }
                : null,
            Labels = labels,
        };
        return new PlannedNetwork(n.Key, name, external, create);
    }

    private static PlannedVolume PlanVolume(string project, VolumeDefinition v, IReadOnlyDictionary<string, string> extra)
    {
        var external = v.External == true;
        var name = v.Name ?? (external ? v.Key : $"{project}_{v.Key}");
        var labels = new Dictionary<string, string>(v.Labels)
        {
            [EngineLabels.Project] = project,
            [EngineLabels.Volume] = v.Key,
            [EngineLabels.Managed] = "true",
        };
        Merge(labels, extra);
        return new PlannedVolume(v.Key, name, external, new VolumeCreateRequest
        {
            Name = name,
            Driver = v.Driver,
            DriverOpts = v.DriverOpts.Count > 0 ? v.DriverOpts : null,
            Labels = labels,
        });
    }

    private static PlannedService PlanService(
        PlanInput input, ServiceDefinition s, IReadOnlyDictionary<string, string> networks, IReadOnlyDictionary<string, string> volumes,
        MountedFiles files, IReadOnlyDictionary<string, string> extra)
    {
        var image = s.Image ?? throw new InvalidOperationException($"Service {s.Name} has no image; building images is not supported.");
        var replicas = s.ContainerName is not null ? 1 : Math.Max(s.Deploy?.Replicas ?? s.Scale ?? 1, 0);
        var (fileMounts, contentDigests) = files.Mounts(s);
        var baseRequest = BaseRequest(input, s, image, volumes, fileMounts);
        // The hash covers everything that defines the container but not the revision, so an unchanged
        // service keeps its hash across revisions (what compose uses to decide "up to date"). Written files are
        // named by their content already; host files are not, so their contents count separately.
        var hash = Hash(baseRequest, s.Networks, s.NetworkMode, contentDigests);
        var containers = new List<PlannedContainer>();
        for (var number = 1; number <= replicas; number++)
        {
            var name = (s.ContainerName ?? ContainerName(input.DeploymentName, s.Name, number)) + (input.NameSuffix ?? string.Empty);
            var labels = new Dictionary<string, string>(baseRequest.Labels!)
            {
                [EngineLabels.ContainerNumber] = number.ToString(CultureInfo.InvariantCulture),
                [EngineLabels.ConfigHash] = hash,
                [EngineLabels.Revision] = input.Revision.ToString(CultureInfo.InvariantCulture),
            };
            if (input.Color is { } color)
            {
                labels[EngineLabels.Color] = color;
            }

            var (networkMode, first, rest) = Networking(input.DeploymentName, s, networks);
            var request = baseRequest with
            {
                Labels = labels,
                HostConfig = baseRequest.HostConfig! with { NetworkMode = networkMode },
                NetworkingConfig = first is null
                    ? null
                    : new NetworkingConfig { EndpointsConfig = new Dictionary<string, EndpointSettings> { [first.Network] = new() { Aliases = first.Aliases } } },
            };
            containers.Add(new PlannedContainer(s.Name, name, number, request, rest));
        }

        var hasHealthCheck = s.HealthCheck is { Disable: false, Test: not null } hc && hc.Test.Count > 0 && hc.Test[0] != "NONE";
        return new PlannedService(s.Name, image, s.PullPolicy, s.DependsOn, hasHealthCheck, s.StopGracePeriod, hash, containers);
    }

    private static ContainerCreateRequest BaseRequest(
        PlanInput input, ServiceDefinition s, string image, IReadOnlyDictionary<string, string> volumes, IReadOnlyList<Mount> fileMounts)
    {
        var labels = new Dictionary<string, string>(s.Labels);
        if (s.Deploy is { } deploy)
        {
            Merge(labels, deploy.Labels);
        }

        labels[EngineLabels.Project] = input.DeploymentName;
        labels[EngineLabels.Service] = s.Name;
        labels[EngineLabels.OneOff] = "False";
        if (s.DependsOn.Count > 0)
        {
            labels[EngineLabels.DependsOn] = DependsOnLabel(s.DependsOn);
        }

        labels[EngineLabels.Deployment] = input.DeploymentName;
        labels[EngineLabels.Stack] = input.StackId;
        labels[EngineLabels.Version] = input.Version;
        labels[EngineLabels.Managed] = "true";
        if (input.WorkingDir is not null)
        {
            labels[EngineLabels.WorkingDir] = input.WorkingDir;
        }

        if (input.ConfigFile is not null)
        {
            labels[EngineLabels.ConfigFiles] = input.ConfigFile;
        }

        Merge(labels, input.ExtraLabels ?? new Dictionary<string, string>());
        var exposed = new Dictionary<string, EmptyObject>(StringComparer.Ordinal);
        var bindings = new Dictionary<string, IReadOnlyList<PortBinding>?>(StringComparer.Ordinal);
        foreach (var port in s.Ports)
        {
            var key = $"{port.Target}/{port.Protocol}";
            exposed[key] = new EmptyObject();
            var list = bindings.TryGetValue(key, out var existing) && existing is not null ? existing.ToList() : [];
            // The file's HostIp is kept as written: binding to all interfaces or to loopback is the stack author's choice.
            list.Add(new PortBinding { HostIp = port.HostIp ?? string.Empty, HostPort = port.Published ?? string.Empty });
            bindings[key] = list;
        }

        if (input.LoopbackPorts is { } loopback && loopback.TryGetValue(s.Name, out var edgePorts))
        {
            foreach (var target in edgePorts)
            {
                // The edge's way in: the same container port once more on loopback with a host port Docker picks.
                var key = $"{target.ToString(CultureInfo.InvariantCulture)}/tcp";
                exposed[key] = new EmptyObject();
                var list = bindings.TryGetValue(key, out var existing) && existing is not null ? existing.ToList() : [];
                if (!list.Any(b => b.HostIp == EngineLabels.Loopback && b.HostPort is null or ""))
                {
                    list.Add(new PortBinding { HostIp = EngineLabels.Loopback, HostPort = string.Empty });
                }

                bindings[key] = list;
            }
        }

        foreach (var expose in s.Expose)
        {
            exposed[expose.Contains('/', StringComparison.Ordinal) ? expose : expose + "/tcp"] = new EmptyObject();
        }

        var limits = s.Deploy?.Limits;
        var cpus = s.Cpus ?? limits?.Cpus;
        var host = new HostConfig
        {
            PortBindings = bindings.Count > 0 ? bindings : null,
            RestartPolicy = Restart(s.Restart, s.Deploy?.RestartPolicy),
            Mounts = [.. s.Volumes.Where(v => v.Type != VolumeType.Tmpfs || v.Target.Length > 0).Select(v => Mount(v, volumes)), .. fileMounts],
            Devices = s.Devices.Count > 0 ? [.. s.Devices.Select(Device)] : null,
            CapAdd = NullIfEmpty(s.CapAdd),
            CapDrop = NullIfEmpty(s.CapDrop),
            Dns = NullIfEmpty(s.Dns),
            DnsSearch = NullIfEmpty(s.DnsSearch),
            ExtraHosts = s.ExtraHosts.Count > 0 ? [.. s.ExtraHosts.Select(h => $"{h.Host}:{h.Address}")] : null,
            Privileged = s.Privileged,
            ReadonlyRootfs = s.ReadOnly,
            SecurityOpt = NullIfEmpty(s.SecurityOpt),
            Tmpfs = s.Tmpfs.Count > 0 ? s.Tmpfs.ToDictionary(TmpfsPath, TmpfsOptions, StringComparer.Ordinal) : null,
            ShmSize = s.ShmSize,
            Sysctls = s.Sysctls.Count > 0 ? s.Sysctls : null,
            LogConfig = s.Logging is { } log ? new LogConfig { Type = log.Driver, Config = log.Options.Count > 0 ? log.Options : null } : null,
            Init = s.Init,
            Memory = s.MemLimit ?? limits?.Memory,
            MemoryReservation = s.MemReservation ?? s.Deploy?.Reservations?.Memory,
            NanoCpus = cpus is { } c ? (long)(c * 1_000_000_000m) : null,
            PidsLimit = s.PidsLimit ?? limits?.Pids,
            Ulimits = s.Ulimits.Count > 0 ? [.. s.Ulimits.Select(u => new ResourceUlimit { Name = u.Key, Soft = u.Value.Soft, Hard = u.Value.Hard })] : null,
        };
        return new ContainerCreateRequest
        {
            Image = image,
            Cmd = s.Command,
            Entrypoint = s.Entrypoint,
            Env = s.Environment.Count > 0 ? [.. s.Environment.Where(e => e.Value is not null).Select(e => $"{e.Key}={e.Value}")] : null,
            ExposedPorts = exposed.Count > 0 ? exposed : null,
            Healthcheck = s.HealthCheck is { } hc ? Health(hc) : null,
            Labels = labels,
            User = s.User,
            WorkingDir = s.WorkingDir,
            Hostname = s.Hostname,
            Domainname = s.Domainname,
            Tty = s.Tty,
            OpenStdin = s.StdinOpen,
            StopSignal = s.StopSignal,
            StopTimeout = s.StopGracePeriod is { } grace ? (int)Math.Ceiling(grace.TotalSeconds) : null,
            HostConfig = host,
            Platform = s.Platform,
        };
    }

    private static (string? Mode, NetworkAttachment? First, IReadOnlyList<NetworkAttachment> Others) Networking(
        string project, ServiceDefinition s, IReadOnlyDictionary<string, string> networks)
    {
        if (s.NetworkMode is { } mode)
        {
            // service:<name> refers to the first container of that service in this project.
            return (mode.StartsWith("service:", StringComparison.Ordinal) ? "container:" + ContainerName(project, mode[8..], 1) : mode, null, []);
        }

        var keys = s.Networks.Count == 0
            ? [new KeyValuePair<string, ServiceNetwork?>(DefaultNetwork, null)]
            : s.Networks.OrderByDescending(n => n.Value?.Priority ?? 0).ToList();
        var attachments = keys
            .Select(n => new NetworkAttachment(
                networks.TryGetValue(n.Key, out var name) ? name : n.Key,
                [s.Name, .. n.Value?.Aliases ?? []]))
            .ToList();
        return (attachments[0].Network, attachments[0], attachments.Skip(1).ToList());
    }

    private static Mount Mount(ServiceVolume v, IReadOnlyDictionary<string, string> volumes) => v.Type switch
    {
        VolumeType.Volume => new Mount
        {
            Type = "volume",
            Target = v.Target,
            Source = v.Source is null ? null : volumes.TryGetValue(v.Source, out var name) ? name : v.Source,
            ReadOnly = v.ReadOnly ? true : null,
            VolumeOptions = v.VolumeNoCopy == true ? new VolumeOptions { NoCopy = true } : null,
        },
        VolumeType.Tmpfs => new Mount { Type = "tmpfs", Target = v.Target },
        VolumeType.Npipe => new Mount { Type = "npipe", Source = v.Source, Target = v.Target },
        _ => new Mount { Type = "bind", Source = v.Source, Target = v.Target, ReadOnly = v.ReadOnly ? true : null, Consistency = v.Consistency },
    };

    private static HealthConfig Health(HealthCheck hc) => hc.Disable
        ? new HealthConfig { Test = ["NONE"] }
        : new HealthConfig
        {
            Test = hc.Test,
            Interval = Nanos(hc.Interval),
            Timeout = Nanos(hc.Timeout),
            Retries = hc.Retries,
            StartPeriod = Nanos(hc.StartPeriod),
        };

    private static DockerRestart? Restart(string? restart, ComposeRestart? deploy)
    {
        if (restart is { Length: > 0 })
        {
            var parts = restart.Split(':', 2);
            return new DockerRestart
            {
                Name = parts[0],
                MaximumRetryCount = parts.Length == 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var max) ? max : null,
            };
        }

        return deploy?.Condition switch
        {
            "none" => new DockerRestart { Name = "no" },
            "on-failure" => new DockerRestart { Name = "on-failure", MaximumRetryCount = deploy.MaxAttempts },
            "any" => new DockerRestart { Name = "always" },
            _ => null,
        };
    }

    private static DeviceMapping Device(string entry)
    {
        // The validator rejected what does not parse; a leftover is passed on as the engine's own short form would read it.
        var device = ValueParsers.ParseDevice(entry, out _) ?? new DeviceSpec(entry, entry, null);
        return new DeviceMapping { PathOnHost = device.PathOnHost, PathInContainer = device.PathInContainer, CgroupPermissions = device.CgroupPermissions ?? "rwm" };
    }

    private static string Hash(
        ContainerCreateRequest request, IReadOnlyDictionary<string, ServiceNetwork?> networks, string? networkMode, IReadOnlyList<string> contentDigests)
    {
        var joined = networks.Select(n => new { n.Key, Aliases = n.Value?.Aliases ?? [], n.Value?.Ipv4Address, n.Value?.Priority });
        // Platform travels as a query parameter, so the request's JSON leaves it out: it is added here. Like the fields
        // below, it only takes part when set, so a service that does not use it keeps the hash its containers carry.
        object shape = request.Platform is null && contentDigests.Count == 0
            ? new { request, networks = joined, networkMode }
            : new { request, networks = joined, networkMode, platform = request.Platform, files = contentDigests };
        var json = JsonSerializer.Serialize(shape, HashJson);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>Create fields the planner learned after config hashes were first written (devices) are left out of the hash
    /// while unset: otherwise every running container's hash would go stale with the upgrade of Tidegate, and a rollout
    /// would replace services that did not change.</summary>
    private static void OmitUnsetLaterFields(JsonTypeInfo info)
    {
        if (info.Type != typeof(HostConfig))
        {
            return;
        }

        foreach (var property in info.Properties.Where(p => p.Name == "Devices"))
        {
            property.ShouldSerialize = (_, value) => value is not null;
        }
    }

    /// <summary>Compose v2's form, "db:service_healthy:false,migrate:service_completed_successfully:false",
    /// so start and stop order can be derived from the containers alone.</summary>
    public static string DependsOnLabel(IReadOnlyDictionary<string, ServiceDependency> dependsOn) =>
        string.Join(',', dependsOn.Select(d => $"{d.Key}:{Condition(d.Value.Condition)}:{(d.Value.Restart ? "true" : "false")}"));

    public static string Condition(DependencyCondition condition) => condition switch
    {
        DependencyCondition.ServiceHealthy => "service_healthy",
        DependencyCondition.ServiceCompletedSuccessfully => "service_completed_successfully",
        _ => "service_started",
    };

    private static long? Nanos(TimeSpan? value) => value is { } v ? HealthConfig.ToNanoseconds(v) : null;

    private static IReadOnlyList<string>? NullIfEmpty(IReadOnlyList<string> list) => list.Count > 0 ? list : null;

    private static string TmpfsPath(string entry) => entry.Split(':', 2)[0];

    private static string TmpfsOptions(string entry) => entry.Split(':', 2) is [_, var options] ? options : string.Empty;

    private static void Merge(Dictionary<string, string> target, IReadOnlyDictionary<string, string> source)
    {
        foreach (var (key, value) in source)
        {
            target[key] = value;
        }
    }
}
