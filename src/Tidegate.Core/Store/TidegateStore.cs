using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

internal sealed record StoreOptions(string DataDirectory)
{
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string DatabasePath => Path.Combine(DataDirectory, StoreDatabase.FileName);
}

/// <summary>The persistent store: one SQLite database in the data directory, migrated to the latest
/// schema on open, with one repository per aggregate. Thread-safe; every call opens its own pooled
/// connection, so one instance serves the whole process.</summary>
internal sealed class TidegateStore
{
    private TidegateStore(StoreDatabase database, SecretProtector protector, TimeProvider time)
    {
        Database = database;
        Environments = new EnvironmentRepository(database, protector, time);
        RegistryCredentials = new RegistryCredentialRepository(database, protector, time);
        CatalogSources = new CatalogSourceRepository(database, protector, time);
        Deployments = new DeploymentRepository(database, protector, time);
        OperationModes = new OperationModeRepository(database, time);
        Observers = new ObserverConfigRepository(database, protector, time);
        Revisions = new RevisionRepository(database, protector, time);
        Snapshots = new SnapshotRepository(database, protector, time);
        Operations = new OperationRepository(database, time);
        ProgressEvents = new ProgressEventRepository(database, time);
        Locks = new DeploymentLockRepository(database, time);
        Users = new UserRepository(database, time);
        ApiTokens = new ApiTokenRepository(database, time);
        AuditLog = new AuditLogRepository(database, time);
        WebhookDeliveries = new WebhookDeliveryRepository(database, time);
    }

    public StoreDatabase Database { get; }

    public EnvironmentRepository Environments { get; }

    public RegistryCredentialRepository RegistryCredentials { get; }

    public CatalogSourceRepository CatalogSources { get; }

    public DeploymentRepository Deployments { get; }

    public OperationModeRepository OperationModes { get; }

    public ObserverConfigRepository Observers { get; }

    public RevisionRepository Revisions { get; }

    public SnapshotRepository Snapshots { get; }

    public OperationRepository Operations { get; }

    public ProgressEventRepository ProgressEvents { get; }

    public DeploymentLockRepository Locks { get; }

    public UserRepository Users { get; }

    public ApiTokenRepository ApiTokens { get; }

    public AuditLogRepository AuditLog { get; }

    public WebhookDeliveryRepository WebhookDeliveries { get; }

    /// <summary>Creates the data directory if needed, opens <c>tidegate.db</c> and migrates it to the
    /// latest schema. Throws <see cref="StoreSchemaTooNewException"/> for a database from a newer Tidegate.</summary>
    public static async Task<TidegateStore> OpenAsync(StoreOptions options, SecretProtector protector, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        CreateDataDirectory(options.DataDirectory);
        var database = new StoreDatabase(options.DatabasePath, options.BusyTimeout);
        await new SchemaMigrator(database, time).MigrateAsync(null, ct);
        return new TidegateStore(database, protector, time);
    }

    // The database holds password and token hashes and ciphertexts: a new data directory is
    // private to the service user. An existing directory keeps the mode its owner chose.
    private static void CreateDataDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
