using Tidegate.Core.Store;
using Tidegate.Server.Http;

namespace Tidegate.Server.Deployments;

/// <summary>Seam for the deployment engine (upgrade and rollback, issue 6). The routes, auth, audit and
/// contracts are the server's; the behaviour is the engine's. Implementations return the seed shapes,
/// start long work as an operation (journaled in the store) and report progress through
/// <see cref="Progress.IProgressPublisher"/> with the caller's sessionId.</summary>
internal interface IDeploymentOperations
{
    Task<UpgradeCheckResponse> CheckUpgradeAsync(DeploymentRecord deployment, CancellationToken ct);

    /// <summary>Validates (unknown or missing required variables are reported before anything changes) and starts the upgrade.</summary>
    Task<OperationStartedResponse> StartUpgradeAsync(DeploymentRecord deployment, UpgradeRequest request, string requestedBy, CancellationToken ct);

    Task<RollbackInfoResponse> GetRollbackInfoAsync(DeploymentRecord deployment, CancellationToken ct);

    Task<OperationStartedResponse> StartRollbackAsync(DeploymentRecord deployment, RollbackRequest request, string requestedBy, CancellationToken ct);
}

/// <summary>Until the engine is wired: every delegating route answers 501 engine-not-wired.</summary>
internal sealed class EngineNotWiredDeploymentOperations : IDeploymentOperations
{
    public Task<UpgradeCheckResponse> CheckUpgradeAsync(DeploymentRecord deployment, CancellationToken ct) => throw new EngineNotWiredException("Upgrade check");

    public Task<OperationStartedResponse> StartUpgradeAsync(DeploymentRecord deployment, UpgradeRequest request, string requestedBy, CancellationToken ct)
        => throw new EngineNotWiredException("Upgrade");

    public Task<RollbackInfoResponse> GetRollbackInfoAsync(DeploymentRecord deployment, CancellationToken ct) => throw new EngineNotWiredException("Rollback information");

    public Task<OperationStartedResponse> StartRollbackAsync(DeploymentRecord deployment, RollbackRequest request, string requestedBy, CancellationToken ct)
        => throw new EngineNotWiredException("Rollback");
}
