using System.Data.Common;

namespace Tidegate.Core.Store;

internal enum ProgressEventKind
{
    Progress,
    Completed,
    Failed,
}

/// <summary>A progress event as the engine publishes it (fields of the seeds' progress contract). Data is optional extra JSON.</summary>
internal sealed record NewProgressEvent(
    string OperationId, string? DeploymentId, string? SessionId, ProgressEventKind Kind, string? Phase, string? Message,
    int? Percent = null, string? CurrentService = null, int? ServicesTotal = null, int? ServicesCompleted = null,
    string? Status = null, string? Data = null);

/// <summary>A stored event. Id is global and strictly increasing (never reused, even after deletes),
/// so it doubles as the SSE event id: resuming is "events after Last-Event-ID".</summary>
internal sealed record ProgressEvent(
    long Id, string OperationId, string? DeploymentId, string? SessionId, ProgressEventKind Kind, string? Phase, string? Message,
    int? Percent, string? CurrentService, int? ServicesTotal, int? ServicesCompleted, string? Status, string? Data, DateTimeOffset At);

/// <summary>Append-only store of progress events for replay to late subscribers and resumed streams.</summary>
internal sealed class ProgressEventRepository(StoreDatabase db, TimeProvider time)
{
    private const string Columns =
        "id, operation_id, deployment_id, session_id, kind, phase, message, percent, current_service, services_total, services_completed, status, at, data";

    public async Task<ProgressEvent> AppendAsync(NewProgressEvent e, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        await using var uow = await db.OpenAsync(ct);
        var id = await uow.ScalarAsync<long>("""
            INSERT INTO progress_events (operation_id, deployment_id, session_id, kind, phase, message, percent, current_service,
                                         services_total, services_completed, status, at, data)
            VALUES (@op, @d, @session, @kind, @phase, @message, @percent, @service, @total, @completed, @status, @at, @data)
            RETURNING id
            """, ct, ("@op", e.OperationId), ("@d", e.DeploymentId), ("@session", e.SessionId), ("@kind", e.Kind), ("@phase", e.Phase),
            ("@message", e.Message), ("@percent", e.Percent), ("@service", e.CurrentService), ("@total", e.ServicesTotal),
            ("@completed", e.ServicesCompleted), ("@status", e.Status), ("@at", at), ("@data", e.Data));
        return new ProgressEvent(id, e.OperationId, e.DeploymentId, e.SessionId, e.Kind, e.Phase, e.Message, e.Percent, e.CurrentService,
            e.ServicesTotal, e.ServicesCompleted, e.Status, e.Data, at);
    }

    /// <summary>Events with an id greater than <paramref name="afterId"/> (0 = from the start), oldest
    /// first, optionally only of one operation and/or one session.</summary>
    public async Task<IReadOnlyList<ProgressEvent>> ListAfterAsync(
        long afterId, string? operationId, string? sessionId, int limit, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QueryAsync($"""
            SELECT {Columns} FROM progress_events
            WHERE id > @after AND (@op IS NULL OR operation_id = @op) AND (@session IS NULL OR session_id = @session)
            ORDER BY id LIMIT @limit
            """, Map, ct, ("@after", afterId), ("@op", operationId), ("@session", sessionId),
            ("@limit", Math.Clamp(limit, 1, Page.MaxLimit)));
    }

    /// <summary>Deletes events stored before <paramref name="before"/>, at most <paramref name="batch"/> of them; returns how many.
    /// Ids are never reused, so a client resuming after a deleted id still gets only newer events.</summary>
    public async Task<int> PruneAsync(DateTimeOffset before, int batch, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("DELETE FROM progress_events WHERE id IN (SELECT id FROM progress_events WHERE at < @before ORDER BY id LIMIT @batch)",
            ct, ("@before", before), ("@batch", batch));
    }

    private static ProgressEvent Map(DbDataReader r) => new(
        r.Long("id"), r.Str("operation_id"), r.NStr("deployment_id"), r.NStr("session_id"), r.Enum<ProgressEventKind>("kind"),
        r.NStr("phase"), r.NStr("message"), r.NInt("percent"), r.NStr("current_service"), r.NInt("services_total"),
        r.NInt("services_completed"), r.NStr("status"), r.NStr("data"), r.Time("at"));
}
