using Microsoft.Extensions.Options;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Server.Catalog;
using Tidegate.Server.Users;

namespace Tidegate.Server.Hosting;

/// <summary>Holds the store opened at start. DI factories are synchronous, so the store is opened in
/// <see cref="StoreStartup.StartingAsync"/> (before any other hosted service and before Kestrel accepts
/// requests) and handed out from here.</summary>
internal sealed class StoreHolder
{
    private TidegateStore? _store;

    public TidegateStore Store => _store ?? throw new InvalidOperationException("The store is opened when the server starts; it is not open yet.");

    public void Set(TidegateStore store) => _store = store;
}

/// <summary>At start: make the data directory private (<see cref="DataDirectoryModes"/>), open (and migrate) the store, load the secret key, create the bootstrap admin when
/// configured and no user exists, and register the stored catalog sources.</summary>
internal sealed class StoreStartup(StoreHolder holder, IOptions<ServerOptions> options, TimeProvider time, IServiceProvider services,
    ILogger<StoreStartup> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var dataDirectory = Path.GetFullPath(options.Value.DataDirectory);
        foreach (var (path, before, after) in DataDirectoryModes.Fix(dataDirectory))
        {
            Log.FileModeFixed(logger, path, Octal(before), Octal(after));
        }
        var protector = SecretProtector.Load(dataDirectory);
        var store = await TidegateStore.OpenAsync(new StoreOptions(dataDirectory), protector, time, cancellationToken);
        holder.Set(store);
        Log.StoreOpened(logger, dataDirectory, protector.KeySource);
        await AdminAccounts.BootstrapAsync(store, options.Value, logger, cancellationToken);
        await services.GetRequiredService<CatalogSourceRegistry>().LoadStoredAsync(logger, cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8);

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
