using System.Data.Common;
using System.Text.Json;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

internal enum SnapshotState
{
    Kept,
    Deleted,
}

/// <summary>The state captured before a change: what rollback restores. ContainerState is JSON
/// (container configuration, image digests, services) written by the engine, secrets masked; the store keeps it
/// encrypted as a whole (labels and the configuration of an application are its business, not the file's readers').</summary>
internal sealed record NewSnapshot(
    string DeploymentId, string? OperationId, int? Revision, string Version, string Description, string ContainerState,
    string? HookOutcome = null);

internal sealed record Snapshot(
    string Id, string DeploymentId, string? OperationId, int? Revision, string Version, string Description,
    string ContainerState, string? HookOutcome, SnapshotState State, DateTimeOffset CreatedAt, DateTimeOffset? DeletedAt);

/// <summary>The seeds' deployment_metadata, written after every operation. Images maps image reference → digest.</summary>
internal sealed record NewDeploymentMetadata(
    string DeploymentId, string? OperationId, int? Revision, string Version, IReadOnlyDictionary<string, string> Images,
    string? PullResult, string? DeployResult, string? HealthResult);

internal sealed record DeploymentMetadata(
    string Id, string DeploymentId, string? OperationId, DateTimeOffset At, int? Revision, string Version,
    IReadOnlyDictionary<string, string> Images, string? PullResult, string? DeployResult, string? HealthResult);

internal sealed class SnapshotRepository(StoreDatabase db, SecretProtector protector, TimeProvider time)
{
    public const int DefaultRetention = 10;

    private const string SnapshotColumns =
        "id, deployment_id, operation_id, revision, version, description, container_state, hook_outcome, state, created_at, deleted_at";

    private const string MetadataColumns =
        "id, deployment_id, operation_id, at, revision, version, images, pull_result, deploy_result, health_result";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<Snapshot> CreateAsync(NewSnapshot snapshot, CancellationToken ct)
    {
        var created = new Snapshot(StoreIds.New(time), snapshot.DeploymentId, snapshot.OperationId, snapshot.Revision, snapshot.Version,
            snapshot.Description, snapshot.ContainerState, snapshot.HookOutcome, SnapshotState.Kept, time.GetUtcNow(), null);
        await using var uow = await db.OpenAsync(ct);
        await uow.ExecuteAsync(
            $"INSERT INTO snapshots ({SnapshotColumns}) VALUES (@id, @d, @op, @rev, @version, @description, @state_json, @hook, @state, @at, NULL)",
            ct, ("@id", created.Id), ("@d", created.DeploymentId), ("@op", created.OperationId), ("@rev", created.Revision),
            ("@version", created.Version), ("@description", created.Description), ("@state_json", protector.Protect(created.ContainerState, AssociatedData(created.Id))),
            ("@hook", created.HookOutcome), ("@state", created.State), ("@at", created.CreatedAt));
        return created;
    }

    public async Task<Snapshot?> GetAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {SnapshotColumns} FROM snapshots WHERE id = @id", MapSnapshot, ct, ("@id", id));
    }

    /// <summary>The newest kept snapshot: what a manual rollback restores.</summary>
    public async Task<Snapshot?> GetLatestKeptAsync(string deploymentId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync(
            $"SELECT {SnapshotColumns} FROM snapshots WHERE deployment_id = @d AND state = @kept ORDER BY created_at DESC, id DESC LIMIT 1",
            MapSnapshot, ct, ("@d", deploymentId), ("@kept", SnapshotState.Kept));
    }

    /// <summary>Newest first, kept and deleted.</summary>
    public async Task<PagedResult<Snapshot>> ListAsync(string deploymentId, Page page, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync(
            $"SELECT {SnapshotColumns} FROM snapshots WHERE deployment_id = @d ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset",
            MapSnapshot, ct, ("@d", deploymentId), ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>("SELECT COUNT(*) FROM snapshots WHERE deployment_id = @d", ct, ("@d", deploymentId));
        return new PagedResult<Snapshot>(items, total, page.SafeLimit, page.SafeOffset);
    }

    public async Task<bool> SetHookOutcomeAsync(string id, string hookOutcome, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("UPDATE snapshots SET hook_outcome = @hook WHERE id = @id", ct, ("@id", id), ("@hook", hookOutcome)) == 1;
    }

    /// <summary>Marks a snapshot deleted (its containers were removed); the row stays as history.</summary>
    public async Task<bool> MarkDeletedAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("UPDATE snapshots SET state = @deleted, deleted_at = @at WHERE id = @id AND state = @kept",
            ct, ("@id", id), ("@deleted", SnapshotState.Deleted), ("@kept", SnapshotState.Kept), ("@at", time.GetUtcNow())) == 1;
    }

    /// <summary>Marks kept snapshots beyond the newest <paramref name="keep"/> as deleted. Returns their ids.</summary>
    public async Task<IReadOnlyList<string>> ApplyRetentionAsync(string deploymentId, int keep, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        await using var uow = await db.OpenAsync(ct);
        return await uow.QueryAsync("""
            UPDATE snapshots SET state = @deleted, deleted_at = @at
            WHERE deployment_id = @d AND state = @kept
              AND id NOT IN (SELECT id FROM snapshots WHERE deployment_id = @d AND state = @kept
                             ORDER BY created_at DESC, id DESC LIMIT @keep)
            RETURNING id
            """, r => r.Str("id"), ct, ("@d", deploymentId), ("@keep", keep), ("@deleted", SnapshotState.Deleted),
            ("@kept", SnapshotState.Kept), ("@at", time.GetUtcNow()));
    }

    public async Task<DeploymentMetadata> AddMetadataAsync(NewDeploymentMetadata metadata, CancellationToken ct)
    {
        var created = new DeploymentMetadata(StoreIds.New(time), metadata.DeploymentId, metadata.OperationId, time.GetUtcNow(),
            metadata.Revision, metadata.Version, metadata.Images, metadata.PullResult, metadata.DeployResult, metadata.HealthResult);
        await using var uow = await db.OpenAsync(ct);
        await uow.ExecuteAsync(
            $"INSERT INTO deployment_metadata ({MetadataColumns}) VALUES (@id, @d, @op, @at, @rev, @version, @images, @pull, @deploy, @health)",
            ct, ("@id", created.Id), ("@d", created.DeploymentId), ("@op", created.OperationId), ("@at", created.At),
            ("@rev", created.Revision), ("@version", created.Version), ("@images", JsonSerializer.Serialize(created.Images, Json)),
            ("@pull", created.PullResult), ("@deploy", created.DeployResult), ("@health", created.HealthResult));
        return created;
    }

    /// <summary>Newest first.</summary>
    public async Task<PagedResult<DeploymentMetadata>> ListMetadataAsync(string deploymentId, Page page, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync(
            $"SELECT {MetadataColumns} FROM deployment_metadata WHERE deployment_id = @d ORDER BY at DESC, id DESC LIMIT @limit OFFSET @offset",
            MapMetadata, ct, ("@d", deploymentId), ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>("SELECT COUNT(*) FROM deployment_metadata WHERE deployment_id = @d", ct, ("@d", deploymentId));
        return new PagedResult<DeploymentMetadata>(items, total, page.SafeLimit, page.SafeOffset);
    }

    /// <summary>Deletes metadata entries beyond the newest <paramref name="keep"/>. Returns how many were deleted.</summary>
    public async Task<int> ApplyMetadataRetentionAsync(string deploymentId, int keep, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("""
            DELETE FROM deployment_metadata
            WHERE deployment_id = @d
              AND id NOT IN (SELECT id FROM deployment_metadata WHERE deployment_id = @d ORDER BY at DESC, id DESC LIMIT @keep)
            """, ct, ("@d", deploymentId), ("@keep", keep));
    }

    private static string AssociatedData(string id) => $"snapshots/{id}";

    // Snapshots written before the state was encrypted are read as they are.
    private Snapshot MapSnapshot(DbDataReader r)
    {
        var id = r.Str("id");
        var state = r.Str("container_state");
        return new Snapshot(id, r.Str("deployment_id"), r.NStr("operation_id"), r.NInt("revision"), r.Str("version"), r.Str("description"),
            SecretProtector.IsProtected(state) ? protector.Unprotect(state, AssociatedData(id)) : state,
            r.NStr("hook_outcome"), r.Enum<SnapshotState>("state"), r.Time("created_at"), r.NTime("deleted_at"));
    }

    private static DeploymentMetadata MapMetadata(DbDataReader r) => new(
        r.Str("id"), r.Str("deployment_id"), r.NStr("operation_id"), r.Time("at"), r.NInt("revision"), r.Str("version"),
        JsonSerializer.Deserialize<Dictionary<string, string>>(r.Str("images"), Json) ?? [],
        r.NStr("pull_result"), r.NStr("deploy_result"), r.NStr("health_result"));
}
