namespace Tidegate.Server.Hosting;

/// <summary>Log messages of the engine's background reconciliation (ids 120–129).</summary>
internal static partial class Log
{
    [LoggerMessage(120, LogLevel.Warning, "Interrupted operation {OperationId} of {Project} is not settled yet: {Why}")]
    public static partial void ReconcileUnsettled(ILogger logger, string operationId, string? project, string why);

    [LoggerMessage(121, LogLevel.Error, "A reconciliation pass failed; it is tried again")]
    public static partial void ReconcilePassFailed(ILogger logger, Exception exception);
}
