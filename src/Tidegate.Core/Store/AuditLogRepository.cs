using System.Data.Common;
using System.Text;

namespace Tidegate.Core.Store;

internal enum AuditResult
{
    Succeeded,
    Failed,
    Denied,
}

/// <summary>Details is JSON; callers must never put a secret value in any field.</summary>
internal sealed record NewAuditEntry(
    string Actor, string Action, string? Target, AuditResult Result, string? Reason = null, string? SourceIp = null, string? Details = null);

internal sealed record AuditEntry(
    long Id, DateTimeOffset At, string Actor, string Action, string? Target, AuditResult Result, string? Reason, string? SourceIp, string? Details);

/// <summary>Filters combine with AND; From is inclusive, To exclusive.</summary>
internal sealed record AuditQuery(
    string? Actor = null, string? Action = null, string? Target = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>Append-only: there is no update, and entries are deleted only by retention (<see cref="PruneAsync"/>).</summary>
internal sealed class AuditLogRepository(StoreDatabase db, TimeProvider time)
{
    private const string Columns = "id, at, actor, action, target, result, reason, source_ip, details";

    public async Task<AuditEntry> AppendAsync(NewAuditEntry entry, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        await using var uow = await db.OpenAsync(ct);
        var id = await uow.ScalarAsync<long>("""
            INSERT INTO audit_log (at, actor, action, target, result, reason, source_ip, details)
            VALUES (@at, @actor, @action, @target, @result, @reason, @ip, @details)
            RETURNING id
            """, ct, ("@at", at), ("@actor", entry.Actor), ("@action", entry.Action), ("@target", entry.Target), ("@result", entry.Result),
            ("@reason", entry.Reason), ("@ip", entry.SourceIp), ("@details", entry.Details));
        return new AuditEntry(id, at, entry.Actor, entry.Action, entry.Target, entry.Result, entry.Reason, entry.SourceIp, entry.Details);
    }

    /// <summary>Deletes entries written before <paramref name="before"/>, at most <paramref name="batch"/> of them (so one
    /// round never holds the write lock for long); returns how many.</summary>
    public async Task<int> PruneAsync(DateTimeOffset before, int batch, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < @before ORDER BY id LIMIT @batch)",
            ct, ("@before", before), ("@batch", batch));
    }

    /// <summary>Newest first.</summary>
    public async Task<PagedResult<AuditEntry>> QueryAsync(AuditQuery query, Page page, CancellationToken ct)
    {
        var where = new StringBuilder("WHERE 1 = 1");
        var args = new List<(string, object?)>();
        Add(where, args, "actor = @actor", "@actor", query.Actor);
        Add(where, args, "action = @action", "@action", query.Action);
        Add(where, args, "target = @target", "@target", query.Target);
        Add(where, args, "at >= @from", "@from", query.From);
        Add(where, args, "at < @to", "@to", query.To);
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync($"SELECT {Columns} FROM audit_log {where} ORDER BY id DESC LIMIT @limit OFFSET @offset",
            Map, ct, [.. args, ("@limit", page.SafeLimit), ("@offset", page.SafeOffset)]);
        var total = await uow.ScalarAsync<long>($"SELECT COUNT(*) FROM audit_log {where}", ct, [.. args]);
        return new PagedResult<AuditEntry>(items, total, page.SafeLimit, page.SafeOffset);
    }

    private static void Add(StringBuilder where, List<(string, object?)> args, string condition, string name, object? value)
    {
        if (value is not null)
        {
            where.Append(" AND ").Append(condition);
            args.Add((name, value));
        }
    }

    private static AuditEntry Map(DbDataReader r) => new(
        r.Long("id"), r.Time("at"), r.Str("actor"), r.Str("action"), r.NStr("target"), r.Enum<AuditResult>("result"),
        r.NStr("reason"), r.NStr("source_ip"), r.NStr("details"));
}
