using System.Data.Common;

namespace Tidegate.Core.Store;

/// <summary>One entry of the mode history. ChangedBy is a user name or an observer id ("observer:…").</summary>
internal sealed record ModeChange(
    string Id, string DeploymentId, OperationMode From, OperationMode To, string? Reason, string ChangedBy, DateTimeOffset At);

internal sealed class OperationModeRepository(StoreDatabase db, TimeProvider time)
{
    /// <summary>Changes the mode per <see cref="OperationModeTransitions"/> and appends history in one
    /// transaction. Throws <see cref="IllegalModeTransitionException"/> for a change the table forbids;
    /// returns null when the deployment does not exist.</summary>
    public async Task<ModeChange?> ChangeAsync(string deploymentId, OperationMode to, string? reason, string changedBy, CancellationToken ct)
    {
        await using var uow = await db.BeginAsync(ct);
        var current = await uow.ScalarAsync<string>(
            "SELECT operation_mode FROM deployments WHERE id = @id", ct, ("@id", deploymentId));
        if (current is null)
        {
            return null;
        }

        var from = Enum.Parse<OperationMode>(current);
        OperationModeTransitions.EnsureAllowed(from, to);
        var now = time.GetUtcNow();
        var change = new ModeChange(StoreIds.New(time), deploymentId, from, to, reason, changedBy, now);
        // The write transaction already holds the lock, so the mode read above cannot change under us.
        await uow.ExecuteAsync("UPDATE deployments SET operation_mode = @to, updated_at = @at WHERE id = @id",
            ct, ("@id", deploymentId), ("@to", to), ("@at", now));
        await uow.ExecuteAsync("""
            INSERT INTO mode_history (id, deployment_id, from_mode, to_mode, reason, changed_by, at)
            VALUES (@id, @deployment, @from, @to, @reason, @by, @at)
            """, ct, ("@id", change.Id), ("@deployment", deploymentId), ("@from", from), ("@to", to), ("@reason", reason),
            ("@by", changedBy), ("@at", now));
        await uow.CommitAsync(ct);
        return change;
    }

    /// <summary>Newest first.</summary>
    public async Task<PagedResult<ModeChange>> HistoryAsync(string deploymentId, Page page, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync("""
            SELECT id, deployment_id, from_mode, to_mode, reason, changed_by, at FROM mode_history
            WHERE deployment_id = @d ORDER BY at DESC, id DESC LIMIT @limit OFFSET @offset
            """, Map, ct, ("@d", deploymentId), ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>("SELECT COUNT(*) FROM mode_history WHERE deployment_id = @d", ct, ("@d", deploymentId));
        return new PagedResult<ModeChange>(items, total, page.SafeLimit, page.SafeOffset);
    }

    private static ModeChange Map(DbDataReader r) => new(
        r.Str("id"), r.Str("deployment_id"), r.Enum<OperationMode>("from_mode"), r.Enum<OperationMode>("to_mode"),
        r.NStr("reason"), r.Str("changed_by"), r.Time("at"));
}
