using System.Data.Common;

namespace Tidegate.Core.Store;

/// <summary>Operations and their step journal. Every step is written before it acts
/// (<see cref="BeginStepAsync"/>) and after (<see cref="EndStepAsync"/>), each as its own committed
/// write, so after a crash <see cref="GetLastUnfinishedStepAsync"/> tells the reconciler where it stopped.</summary>
internal sealed class OperationRepository(StoreDatabase db, TimeProvider time)
{
    private const string Columns =
        "id, deployment_id, deployment_name, kind, status, phase, percent, requested_by, session_id, created_at, started_at, finished_at, error";

    private const string StepColumns = "operation_id, seq, name, status, detail, started_at, finished_at";

    public async Task<OperationRecord> CreateAsync(NewOperation operation, CancellationToken ct)
    {
        var created = new OperationRecord(StoreIds.New(time), operation.DeploymentId, operation.DeploymentName, operation.Kind,
            OperationStatus.Pending, null, 0, operation.RequestedBy, operation.SessionId, time.GetUtcNow(), null, null, null);
        await using var uow = await db.OpenAsync(ct);
        await uow.ExecuteAsync(
            $"INSERT INTO operations ({Columns}) VALUES (@id, @d, @name, @kind, @status, NULL, 0, @by, @session, @at, NULL, NULL, NULL)",
            ct, ("@id", created.Id), ("@d", created.DeploymentId), ("@name", created.DeploymentName), ("@kind", created.Kind),
            ("@status", created.Status), ("@by", created.RequestedBy), ("@session", created.SessionId), ("@at", created.CreatedAt));
        return created;
    }

    public async Task<OperationRecord?> GetAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM operations WHERE id = @id", Map, ct, ("@id", id));
    }

    /// <summary>Newest first; optionally of one deployment and/or one status.</summary>
    public async Task<PagedResult<OperationRecord>> ListAsync(string? deploymentId, OperationStatus? status, Page page, CancellationToken ct)
    {
        const string filter = "WHERE (@d IS NULL OR deployment_id = @d) AND (@status IS NULL OR status = @status)";
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync(
            $"SELECT {Columns} FROM operations {filter} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset",
            Map, ct, ("@d", deploymentId), ("@status", status), ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>($"SELECT COUNT(*) FROM operations {filter}", ct, ("@d", deploymentId), ("@status", status));
        return new PagedResult<OperationRecord>(items, total, page.SafeLimit, page.SafeOffset);
    }

    /// <summary>Operations not in a final status (Pending, Running, Interrupted), oldest first: the reconciler's work list.</summary>
    public async Task<IReadOnlyList<OperationRecord>> ListUnfinishedAsync(CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QueryAsync(
            $"SELECT {Columns} FROM operations WHERE status IN (@pending, @running, @interrupted) ORDER BY created_at, id",
            Map, ct, ("@pending", OperationStatus.Pending), ("@running", OperationStatus.Running), ("@interrupted", OperationStatus.Interrupted));
    }

    /// <summary>Moves an operation along <see cref="OperationStatusTransitions"/>. Throws
    /// <see cref="IllegalOperationTransitionException"/> for a forbidden change; null when not found.</summary>
    public async Task<OperationRecord?> TransitionAsync(string id, OperationStatus to, string? error, CancellationToken ct)
    {
        await using var uow = await db.BeginAsync(ct);
        var current = await uow.QuerySingleAsync($"SELECT {Columns} FROM operations WHERE id = @id", Map, ct, ("@id", id));
        if (current is null)
        {
            return null;
        }

        OperationStatusTransitions.EnsureAllowed(id, current.Status, to);
        var now = time.GetUtcNow();
        var updated = current with
        {
            Status = to,
            Error = error ?? current.Error,
            StartedAt = current.StartedAt ?? (to == OperationStatus.Running ? now : null),
            FinishedAt = OperationStatusTransitions.IsTerminal(to) ? now : null,
            Percent = to == OperationStatus.Succeeded ? 100 : current.Percent,
        };
        await uow.ExecuteAsync(
            "UPDATE operations SET status = @status, error = @error, started_at = @started, finished_at = @finished, percent = @percent WHERE id = @id",
            ct, ("@id", id), ("@status", updated.Status), ("@error", updated.Error), ("@started", updated.StartedAt),
            ("@finished", updated.FinishedAt), ("@percent", updated.Percent));
        await uow.CommitAsync(ct);
        return updated;
    }

    public async Task<bool> ReportProgressAsync(string id, string phase, int percent, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("UPDATE operations SET phase = @phase, percent = @percent WHERE id = @id",
            ct, ("@id", id), ("@phase", phase), ("@percent", Math.Clamp(percent, 0, 100))) == 1;
    }

    /// <summary>Journals a step before it acts. Returns the step with its sequence number (1, 2, 3… per operation).</summary>
    public async Task<OperationStep> BeginStepAsync(string operationId, string name, string? detailJson, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var uow = await db.BeginAsync(ct);
        var seq = (int)(await uow.ScalarAsync<long?>(
            "SELECT MAX(seq) FROM operation_steps WHERE operation_id = @op", ct, ("@op", operationId)) ?? 0) + 1;
        await uow.ExecuteAsync(
            $"INSERT INTO operation_steps ({StepColumns}) VALUES (@op, @seq, @name, @status, @detail, @at, NULL)",
            ct, ("@op", operationId), ("@seq", seq), ("@name", name), ("@status", StepStatus.Running), ("@detail", detailJson), ("@at", now));
        await uow.CommitAsync(ct);
        return new OperationStep(operationId, seq, name, StepStatus.Running, detailJson, now, null);
    }

    /// <summary>Journals a step's end. A null detail keeps the detail written at the start.
    /// Returns false when the step does not exist or has already ended.</summary>
    public async Task<bool> EndStepAsync(string operationId, int seq, StepStatus status, string? detailJson, CancellationToken ct)
    {
        if (status == StepStatus.Running)
        {
            throw new ArgumentException("A step ends as Succeeded, Failed or Skipped.", nameof(status));
        }

        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("""
            UPDATE operation_steps SET status = @status, detail = COALESCE(@detail, detail), finished_at = @at
            WHERE operation_id = @op AND seq = @seq AND finished_at IS NULL
            """, ct, ("@op", operationId), ("@seq", seq), ("@status", status), ("@detail", detailJson), ("@at", time.GetUtcNow())) == 1;
    }

    public async Task<IReadOnlyList<OperationStep>> ListStepsAsync(string operationId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QueryAsync($"SELECT {StepColumns} FROM operation_steps WHERE operation_id = @op ORDER BY seq",
            MapStep, ct, ("@op", operationId));
    }

    /// <summary>The last step that began but never ended, or null.</summary>
    public async Task<OperationStep?> GetLastUnfinishedStepAsync(string operationId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync(
            $"SELECT {StepColumns} FROM operation_steps WHERE operation_id = @op AND finished_at IS NULL ORDER BY seq DESC LIMIT 1",
            MapStep, ct, ("@op", operationId));
    }

    private static OperationRecord Map(DbDataReader r) => new(
        r.Str("id"), r.NStr("deployment_id"), r.NStr("deployment_name"), r.Enum<OperationKind>("kind"), r.Enum<OperationStatus>("status"),
        r.NStr("phase"), r.Int("percent"), r.Str("requested_by"), r.NStr("session_id"), r.Time("created_at"), r.NTime("started_at"),
        r.NTime("finished_at"), r.NStr("error"));

    private static OperationStep MapStep(DbDataReader r) => new(
        r.Str("operation_id"), r.Int("seq"), r.Str("name"), r.Enum<StepStatus>("status"), r.NStr("detail"),
        r.Time("started_at"), r.NTime("finished_at"));
}
