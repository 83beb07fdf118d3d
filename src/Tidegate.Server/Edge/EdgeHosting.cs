using Tidegate.Core.Edge;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Core.Strategies;
using Tidegate.Server.Hosting;

namespace Tidegate.Server.Edge;

/// <summary>Registers the edge (HAProxy) and the rollout strategies. Settings: section <c>Edge</c> —
/// <c>Enabled</c> (default true), <c>Directory</c> (default {DataDirectory}/edge), <c>Executable</c> (default haproxy),
/// <c>User</c> (default haproxy: the user HAProxy switches to when Tidegate runs as root; empty: keep root),
/// <c>Image</c> (documented production alternative), <c>DrainTimeout</c> (hh:mm:ss), <c>CheckIntervalMs</c> (1000).</summary>
internal static class EdgeHosting
{
    public static IServiceCollection AddTidegateEdge(this IServiceCollection services)
    {
        services.AddSingleton(sp => ReadOptions(sp.GetRequiredService<IConfiguration>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ServerOptions>>().Value));
        services.AddSingleton(sp => new HaproxyEdge(sp.GetRequiredService<EdgeOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var edge = sp.GetRequiredService<EdgeOptions>();
            var registry = new RolloutRegistry(edge.Enabled ? edge.ParkedPath : null);
            var logger = sp.GetRequiredService<ILogger<RolloutRegistry>>();
            registry.SaveFailed += ex => EdgeLog.ParkedSaveFailed(logger, ex, edge.ParkedPath);
            return registry;
        });
        services.AddSingleton(sp => new RolloutStrategies(sp.GetRequiredService<HaproxyEdge>(), sp.GetRequiredService<RolloutRegistry>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<EdgeStartup>();
        return services;
    }

    private static EdgeOptions ReadOptions(IConfiguration configuration, ServerOptions server)
    {
        var section = configuration.GetSection("Edge");
        var defaults = new EdgeOptions { Directory = Path.Combine(Path.GetFullPath(server.DataDirectory), "edge") };
        return defaults with
        {
            Enabled = !bool.TryParse(section["Enabled"], out var enabled) || enabled,
            Directory = section["Directory"] is { Length: > 0 } directory ? Path.GetFullPath(directory) : defaults.Directory,
            Executable = section["Executable"] is { Length: > 0 } executable ? executable : defaults.Executable,
            User = section["User"] ?? defaults.User,
            Image = section["Image"] is { Length: > 0 } image ? image : defaults.Image,
            CheckIntervalMs = int.TryParse(section["CheckIntervalMs"], System.Globalization.CultureInfo.InvariantCulture, out var check) && check >= 100
                ? check : defaults.CheckIntervalMs,
            DrainTimeout = TimeSpan.TryParse(section["DrainTimeout"], System.Globalization.CultureInfo.InvariantCulture, out var drain) && drain > TimeSpan.Zero
                ? drain : defaults.DrainTimeout,
        };
    }
}

/// <summary>At start: adopt the running HAProxy (or start it when entries are registered) and bring every deployment's
/// servers in line with its running containers; then remove parked blue-green colors when their keep time is over.
/// Stopping Tidegate leaves HAProxy running, so traffic never depends on this process.</summary>
internal sealed partial class EdgeStartup(
    EdgeOptions options, HaproxyEdge edge, RolloutStrategies strategies, StoreHolder holder, IDockerEngineFactory engines,
    TimeProvider time, ILogger<EdgeStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        try
        {
            var holders = await EnvironmentsByDeploymentNameAsync(stoppingToken);
            await edge.StartAsync(name => holders.TryGetValue(name, out var ids) ? ids : [], stoppingToken);
            foreach (var refused in edge.RefusedAtLoad)
            {
                EdgeEntryRefused(logger, refused);
            }

            foreach (var name in edge.UnownedAtLoad)
            {
                EdgeEntryUnowned(logger, name);
            }

            await SyncAllAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            EdgeStartFailed(logger, ex, options.Directory);
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                EdgeSweepFailed(logger, ex);
            }
        }
    }

    private async Task<Dictionary<string, List<string>>> EnvironmentsByDeploymentNameAsync(CancellationToken ct)
    {
        var holders = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var environment in (await holder.Store.Environments.ListAsync(new Page(1000), ct)).Items)
        {
            foreach (var deployment in (await holder.Store.Deployments.ListAsync(environment.Id, new Page(1000), ct)).Items)
            {
                if (!holders.TryGetValue(deployment.Name, out var ids))
                {
                    holders[deployment.Name] = ids = [];
                }

                ids.Add(environment.Id);
            }
        }

        return holders;
    }

    private async Task SyncAllAsync(CancellationToken ct)
    {
        if (edge.Entries.Count == 0)
        {
            return;
        }

        var names = edge.Entries.Select(e => e.Deployment).ToHashSet(StringComparer.Ordinal);
        // Several environments may each hold a deployment of a name: each syncs only the entries it owns.
        foreach (var environment in (await holder.Store.Environments.ListAsync(new Page(1000), ct)).Items)
        {
            using var docker = engines.Open(environment);
            foreach (var deployment in (await holder.Store.Deployments.ListAsync(environment.Id, new Page(1000), ct)).Items.Where(d => names.Contains(d.Name)))
            {
                var held = await holder.Store.Locks.GetAsync(deployment.Id, ct);
                if (held?.ExpiresAt > time.GetUtcNow())
                {
                    continue;
                }

                await strategies.SyncAsync(docker, environment.Id, deployment.Id, deployment.Name, deployment.CurrentRevision, ct);
            }
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        foreach (var parked in strategies.Rollouts.Expired(time.GetUtcNow()).DistinctBy(p => p.DeploymentId))
        {
            if (await holder.Store.Deployments.GetAsync(parked.DeploymentId, ct) is not { } deployment
                || await holder.Store.Environments.GetAsync(deployment.EnvironmentId, ct) is not { } environment)
            {
                strategies.Rollouts.Unpark(parked.DeploymentId);
                continue;
            }

            using var docker = engines.Open(environment);
            await strategies.SweepAsync(docker, ct, parked.DeploymentId);
        }
    }

    [LoggerMessage(801, LogLevel.Error, "The edge (HAProxy) in {Directory} could not be started or adopted; strategies that need it will fail until it can")]
    private static partial void EdgeStartFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(804, LogLevel.Warning, "An entry of the edge registry is not served: {Entry} (the names are outside the set the edge accepts; deploy the stack again with valid names)")]
    private static partial void EdgeEntryRefused(ILogger logger, string entry);

    [LoggerMessage(805, LogLevel.Warning, "The edge entries of deployment {Deployment} were registered without an environment and several environments (or none) hold a deployment of that name: they are served as they are, and no deployment changes them; remove the deployment of that name that should not own them, or remove the entries from edge.json")]
    private static partial void EdgeEntryUnowned(ILogger logger, string deployment);

    [LoggerMessage(802, LogLevel.Warning, "Removing parked blue-green colors failed; retrying on the next sweep")]
    private static partial void EdgeSweepFailed(ILogger logger, Exception exception);
}

internal static partial class EdgeLog
{
    [LoggerMessage(803, LogLevel.Warning, "The parked blue-green colors could not be written to {Path}; a switch back after a restart will redeploy instead")]
    public static partial void ParkedSaveFailed(ILogger logger, Exception exception, string path);
}
