namespace Tidegate.Core.Deployments;

/// <summary>The seed's reasons why an upgrade cannot start (seed 000, "Grund / Lösung").</summary>
internal static class UpgradeReasons
{
    public const string NotRunning = "Deployment must be running";
    public const string NoNewerVersion = "No newer version available";
    public const string ProductNotFound = "Product not found in catalog";
}

/// <summary>One catalog version newer than the deployment's, for the upgrade check's list.</summary>
internal sealed record NewerVersion(string Version, string StackId, string? ReleaseNotesUrl);

/// <summary>The seed's upgrade check plus the list of every newer version.</summary>
internal sealed record UpgradeCheck(
    bool Success, bool UpgradeAvailable, string? CurrentVersion, string? LatestVersion, string? LatestStackId,
    IReadOnlyList<string> NewVariables, IReadOnlyList<string> RemovedVariables, bool CanUpgrade, string? CannotUpgradeReason,
    IReadOnlyList<NewerVersion> NewerVersions);

/// <summary>Upgrade a deployment to the stack version in <paramref name="Source"/>. Variables are the values the user
/// adds or changes; every existing value the new version still knows is kept.</summary>
internal sealed record UpgradeWorkRequest(
    string DeploymentId, string StackId, string ProductId, string Version, StackSource Source,
    IReadOnlyDictionary<string, string> Variables, string RequestedBy, string? SessionId = null, string? Strategy = null);

/// <summary>The seed's rollback information; <paramref name="TargetRevision"/> is the revision a rollback restores.</summary>
internal sealed record RollbackInfo(bool CanRollback, string? RollbackTargetVersion, string? SnapshotDescription, DateTimeOffset? SnapshotCreatedAt,
    int? TargetRevision);
