using Tidegate.Core.Catalog;

namespace Tidegate.Server.Hosting;

/// <summary>Runs <see cref="CatalogSyncService"/> for the server's lifetime.</summary>
internal sealed class CatalogSyncHostedService(CatalogSyncService sync) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => sync.ExecuteAsync(stoppingToken);
}

internal static class CatalogConfiguration
{
    public const string DemoSourceId = "demo";

    /// <summary>The Catalog section plus the demo catalog directory (<c>DemoCatalog</c>), validated now so a
    /// bad configuration stops the start with every problem listed.</summary>
    public static CatalogOptions Load(IConfiguration configuration, ServerOptions server)
    {
        var options = new CatalogOptions();
        configuration.GetSection("Catalog").Bind(options);
        if (string.IsNullOrWhiteSpace(options.CacheDirectory))
        {
            options.CacheDirectory = Path.Combine(Path.GetFullPath(server.DataDirectory), "catalog-cache");
        }
        if (server.DemoCatalog is { Length: > 0 } demo && options.Sources.All(s => s.Id != DemoSourceId))
        {
            options.Sources.Add(new CatalogSourceOptions { Id = DemoSourceId, Kind = "directory", Path = Path.GetFullPath(demo), SyncInterval = TimeSpan.Zero });
        }
        options.ThrowIfInvalid();
        return options;
    }
}
