namespace Tidegate.Server.Hosting;

/// <summary>The server's log messages (source-generated; never pass a secret).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Error, "Could not record the audit entry for {Action}")]
    public static partial void AuditFailed(ILogger logger, Exception exception, string action);

    [LoggerMessage(2, LogLevel.Warning, "Login for {Username} from {Address} refused unchecked: backing off for {Wait} more")]
    public static partial void LoginThrottled(ILogger logger, string username, string address, TimeSpan wait);

    [LoggerMessage(3, LogLevel.Warning, "Failed login for {Username} from {Address} ({Failures} in a row from there)")]
    public static partial void LoginFailed(ILogger logger, string username, string address, int failures);

    [LoggerMessage(4, LogLevel.Warning, "Stored catalog source {SourceId} is not valid and is skipped: {Error}")]
    public static partial void StoredSourceInvalid(ILogger logger, string sourceId, string error);

    [LoggerMessage(5, LogLevel.Information, "Store opened in {DataDirectory} (secret key from {KeySource})")]
    public static partial void StoreOpened(ILogger logger, string dataDirectory, string keySource);

    [LoggerMessage(6, LogLevel.Error, "Unhandled error on {Method} {Path}")]
    public static partial void Unhandled(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(7, LogLevel.Debug, "Progress {OperationId} {Phase} {Percent}")]
    public static partial void Progress(ILogger logger, string operationId, string phase, int? percent);

    [LoggerMessage(8, LogLevel.Warning, "No user exists yet. Create the first admin with 'tidegate admin create --username NAME' or set TIDEGATE_BOOTSTRAP_ADMIN_USER and TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD.")]
    public static partial void NoUsers(ILogger logger);

    [LoggerMessage(9, LogLevel.Information, "Created the bootstrap admin {Username}")]
    public static partial void BootstrapAdmin(ILogger logger, string username);

    [LoggerMessage(10, LogLevel.Warning, "A hub client did not take progress of operation {OperationId} in time; it can resubscribe to replay")]
    public static partial void SlowHubClient(ILogger logger, string operationId);

    [LoggerMessage(11, LogLevel.Information, "Default environment {Name} on {Endpoint}")]
    public static partial void DefaultEnvironment(ILogger logger, string name, string endpoint);

    [LoggerMessage(12, LogLevel.Warning, "Reconciled interrupted {Kind} operation {OperationId} of {Project}: {Result} ({What})")]
    public static partial void Reconciled(ILogger logger, string operationId, Core.Store.OperationKind kind, string? project, Core.Store.OperationStatus result, string what);

    [LoggerMessage(13, LogLevel.Warning, "Drift in {Project}: {Kind} {Detail}")]
    public static partial void Drift(ILogger logger, string project, Core.Engine.DriftKind kind, string detail);

    [LoggerMessage(14, LogLevel.Information, "Reconciliation at start: {Operations} interrupted operations, {Drift} drift findings")]
    public static partial void ReconcileDone(ILogger logger, int operations, int drift);

    [LoggerMessage(15, LogLevel.Error, "Reconciliation at start failed: the Docker engine at {Endpoint} could not be used; deployments will fail until it answers")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(16, LogLevel.Error, "Health monitor of environment {Environment} ({Endpoint}) stopped")]
    public static partial void HealthMonitorFailed(ILogger logger, Exception exception, string environment, string endpoint);

    [LoggerMessage(17, LogLevel.Warning, "Engine:KillAtStep is set to {Step}: this process kills itself (SIGKILL) when an operation reaches that step. This is a crash-test setting; never use it in production")]
    public static partial void KillAtStep(ILogger logger, string step);

    [LoggerMessage(18, LogLevel.Error, "Health monitor of environment {Environment} failed; it starts over in {Pause}")]
    public static partial void HealthMonitorFaulted(ILogger logger, Exception exception, string environment, TimeSpan pause);
}
