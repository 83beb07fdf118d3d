namespace Tidegate.Server.Hosting;

/// <summary>Log messages of the security hardening (files, sessions, audit housekeeping).</summary>
internal static partial class Log
{
    [LoggerMessage(901, LogLevel.Warning, "Made {Path} private to Tidegate's user: mode {Before} → {After}")]
    public static partial void FileModeFixed(ILogger logger, string path, string before, string after);

    [LoggerMessage(902, LogLevel.Information, "Sessions of user {UserId} ended by {Actor} (API tokens revoked: {Tokens})")]
    public static partial void SessionsEnded(ILogger logger, string userId, string actor, int tokens);

    [LoggerMessage(903, LogLevel.Information, "Retention: deleted {AuditRows} audit entries and {ProgressRows} progress events")]
    public static partial void Pruned(ILogger logger, int auditRows, int progressRows);

    [LoggerMessage(904, LogLevel.Error, "Audit housekeeping failed; it tries again at its next round")]
    public static partial void HousekeepingFailed(ILogger logger, Exception exception);

    [LoggerMessage(905, LogLevel.Warning, "Readiness check {Check} failed")]
    public static partial void ReadinessFailed(ILogger logger, Exception exception, string check);
}
