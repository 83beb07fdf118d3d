using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Tidegate.Core.Catalog;
using Tidegate.Core.Definitions;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Catalog;
using Tidegate.Server.Deployments;
using Tidegate.Server.Edge;
using Tidegate.Server.Http;
using Tidegate.Server.Progress;

namespace Tidegate.Server.Hosting;

internal static class ServerServices
{
    public static IServiceCollection AddTidegateServer(this IServiceCollection services)
    {
        services.TryAddTimeProvider();
        services.AddSingleton<StoreHolder>();
        services.AddSingleton(sp => sp.GetRequiredService<StoreHolder>().Store);
        services.AddHostedService<StoreStartup>();
        services.AddSingleton<IReadinessCheck, StoreReadinessCheck>();

        // The catalog reads every stack file through the real loader (full parse and validation).
        services.AddSingleton<IStackReader, StackLoader>();
        services.AddSingleton(sp => CatalogConfiguration.Load(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IOptions<ServerOptions>>().Value));
        services.AddSingleton(sp => new StackCatalog(sp.GetRequiredService<IStackReader>(), sp.GetRequiredService<CatalogOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new CatalogSyncService(sp.GetRequiredService<StackCatalog>(), sp.GetRequiredService<CatalogOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<CatalogSourceRegistry>();
        services.AddHostedService<CatalogSyncHostedService>();

        // Seams the deployment engine fills (see docs/api.md, "Engine seams").
        services.AddTidegateEngine();
        services.AddTidegateEdge();
        services.AddSingleton<ProgressPublisher>();
        services.AddSingleton<Core.Engine.OperationCancellation>();
        services.AddSingleton<Core.Deployments.DeploymentLogs>();
        services.AddSingleton<Hooks.DeployHookIdempotency>();
        services.AddSingleton<IProgressPublisher>(sp => sp.GetRequiredService<ProgressPublisher>());
        services.AddSingleton<Observers.ObserverHost>();
        services.AddHostedService(sp => sp.GetRequiredService<Observers.ObserverHost>());

        services.AddSingleton<LoginService>();
        services.AddTidegateAuth();
        services.AddSingleton<LoginRateLimiter>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<Sessions>();
        services.AddTrustedProxies();
        services.AddSingleton<Audit.AnonymousAuditSampler>();
        services.AddSingleton<Audit.AuditHousekeeping>();
        services.AddHostedService(sp => sp.GetRequiredService<Audit.AuditHousekeeping>());

        services.AddProblemDetails(o => o.CustomizeProblemDetails = StableProblemTypes.Apply);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddOpenApi();
        return services;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
