using Tidegate.Core.Store;
using Tidegate.Server.Http;

namespace Tidegate.Server.Deployments;

/// <summary>Seam for the engine's container lifecycle on a mode change (issue 7): Normal→Maintenance stops
/// the deployment's containers except those labelled to keep running, Maintenance→Normal starts them,
/// Stopped stops everything. Called after the store recorded the change; throwing marks the request failed
/// (the engine decides whether to move the deployment to Failed).</summary>
internal interface IOperationModeLifecycle
{
    Task ApplyAsync(DeploymentRecord deployment, ModeChange change, CancellationToken ct);
}

/// <summary>Until the engine is wired: the mode is recorded, containers are not touched.</summary>
internal sealed class NoContainerLifecycle : IOperationModeLifecycle
{
    public Task ApplyAsync(DeploymentRecord deployment, ModeChange change, CancellationToken ct) => Task.CompletedTask;
}
