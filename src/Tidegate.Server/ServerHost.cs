using Microsoft.Extensions.Options;
using Tidegate.Server.Audit;
using Tidegate.Server.Auth;
using Tidegate.Server.Catalog;
using Tidegate.Server.Deployments;
using Tidegate.Server.Edge;
using Tidegate.Server.Environments;
using Tidegate.Server.Health;
using Tidegate.Server.Hooks;
using Tidegate.Server.Hosting;
using Tidegate.Server.Http;
using Tidegate.Server.Observers;
using Tidegate.Server.Operations;
using Tidegate.Server.Progress;
using Tidegate.Server.Registries;
using Tidegate.Server.Tokens;
using Tidegate.Server.Users;

namespace Tidegate.Server;

/// <summary>Builds the Tidegate web host; used by <c>tidegate serve</c>, by Program and by tests.</summary>
public static class ServerHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Everything the server writes (store, WAL, keys, edge configuration) is private to its user from the first byte.
        DataDirectoryModes.RestrictUmask();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddEnvironmentVariables("TIDEGATE_");
        // TIDEGATE_BOOTSTRAP_ADMIN_USER / _PASSWORD are the documented names; map them onto the options.
        builder.Configuration.AddInMemoryCollection(BootstrapAliases());
        builder.Services.AddOptions<ServerOptions>().Bind(builder.Configuration).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>();
        builder.Services.AddTidegateServer();
        // Request-start lines carry the query string, where a hub client may put its access_token: keep them
        // out of the log whatever the configured level.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Connections", LogLevel.Warning);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseTrustedProxies();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets();
        var webUi = WebUi.Resolve(app.Configuration);
        webUi?.UseAssets(app);
        app.UseRouting();
        webUi?.UseFallback(app);
        app.UseAuthentication();
        app.UseMiddleware<AuditMiddleware>();
        app.UseAuthorization();
        app.UseMiddleware<RequestGuardMiddleware>();
        app.UseMiddleware<LoginRateLimitMiddleware>();

        app.MapHealthEndpoints();
        app.MapReadiness();
        app.MapOpenApi().RequireAuthorization(Policies.Viewer);
        app.MapAuthApi();
        app.MapUsersApi();
        app.MapTokensApi();
        app.MapAuditApi();
        app.MapCatalogApi();
        app.MapEnvironmentsApi();
        app.MapRegistriesApi();
        app.MapDeploymentsApi();
        app.MapObserversApi();
        app.MapOperationsApi();
        app.MapRevisionsApi();
        app.MapLogsApi();
        app.MapOperationCancelApi();
        app.MapHooksApi();
        app.MapEdgeApi();
        app.MapHub<DeploymentHub>("/hubs/deployment").RequireAuthorization(Policies.Viewer);
        return app;
    }

    private static Dictionary<string, string?> BootstrapAliases()
    {
        var aliases = new Dictionary<string, string?>();
        if (Environment.GetEnvironmentVariable("TIDEGATE_BOOTSTRAP_ADMIN_USER") is { } user)
        {
            aliases[nameof(ServerOptions.BootstrapAdminUser)] = user;
        }
        if (Environment.GetEnvironmentVariable("TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD") is { } password)
        {
            aliases[nameof(ServerOptions.BootstrapAdminPassword)] = password;
        }
        return aliases;
    }
}
