namespace Tidegate.Server.Hosting;

/// <summary>Log messages of the engine's background reconciliation and of the progress hub's delivery (ids 120–129).</summary>
internal static partial class Log
{
    [LoggerMessage(120, LogLevel.Warning, "Interrupted operation {OperationId} of {Project} is not settled yet: {Why}")]
    public static partial void ReconcileUnsettled(ILogger logger, string operationId, string? project, string why);

    [LoggerMessage(121, LogLevel.Error, "A reconciliation pass failed; it is tried again")]
    public static partial void ReconcilePassFailed(ILogger logger, Exception exception);

    [LoggerMessage(122, LogLevel.Warning, "Dropped hub connection {ConnectionId}: {Why}; it can reconnect and resubscribe to replay")]
    public static partial void HubClientDropped(ILogger logger, string connectionId, string why);
}
