namespace Tidegate.Server.Hosting;

/// <summary>Log messages of operation modes, observers and health alerts (ids 100–119).</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Maintenance observer of {Deployment} started: {Type} from the {Source}, polling every {Interval}")]
    public static partial void ObserverStarted(ILogger logger, string deployment, string type, string source, TimeSpan interval);

    [LoggerMessage(101, LogLevel.Error, "Maintenance observer of deployment {DeploymentId} stopped")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string deploymentId);

    [LoggerMessage(102, LogLevel.Warning, "Scanning deployments for maintenance observers failed")]
    public static partial void ObserverScanFailed(ILogger logger, Exception exception);

    [LoggerMessage(103, LogLevel.Warning, "Pushing a mode change or observer status failed")]
    public static partial void ObserverPushFailed(ILogger logger, Exception exception);

    [LoggerMessage(104, LogLevel.Warning, "Health alert: deployment {Project} is {Health}")]
    public static partial void HealthAlert(ILogger logger, string project, string health);
}
