using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Audit;

internal sealed record AuditEntryResponse(long Id, DateTimeOffset At, string Actor, string Action, string? Target, string Result,
    string? Reason, string? SourceIp, string? Details)
{
    public static AuditEntryResponse From(AuditEntry e)
        => new(e.Id, e.At, e.Actor, e.Action, e.Target, e.Result.ToString(), e.Reason, e.SourceIp, e.Details);
}

internal sealed record AuditFilter(string? Actor, string? Action, string? Target, DateTimeOffset? Since, DateTimeOffset? Until, int? Limit, int? Offset)
{
    public AuditQuery ToQuery() => new(Actor, Action, Target, Since, Until);
}

internal static class AuditApi
{
    private const int MaxExport = 100_000;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Policies.Admin);
        group.MapGet("/", QueryAsync);
        group.MapGet("/export", ExportAsync);
        return app;
    }

    private static async Task<Results<Ok<Paged<AuditEntryResponse>>, ValidationProblem>> QueryAsync(
        [AsParameters] AuditFilter filter, TidegateStore store, CancellationToken ct)
    {
        var paging = new PageRequest(filter.Limit, filter.Offset);
        if (paging.Validate() is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        var result = await store.AuditLog.QueryAsync(filter.ToQuery(), paging.ToPage(), ct);
        return TypedResults.Ok(Paged<AuditEntryResponse>.From(result, AuditEntryResponse.From));
    }

    /// <summary>All matching entries, oldest first, as one JSON array download.</summary>
    private static async Task<IResult> ExportAsync([AsParameters] AuditFilter filter, TidegateStore store, HttpContext context, CancellationToken ct)
    {
        var all = new List<AuditEntryResponse>();
        for (var offset = 0; all.Count < MaxExport; offset += Page.MaxLimit)
        {
            var page = await store.AuditLog.QueryAsync(filter.ToQuery(), new Page(Page.MaxLimit, offset), ct);
            all.AddRange(page.Items.Select(AuditEntryResponse.From));
            if (!page.HasMore)
            {
                break;
            }
        }
        context.Response.Headers.ContentDisposition = "attachment; filename=\"tidegate-audit.json\"";
        return TypedResults.Ok(all.OrderBy(e => e.Id).ToList());
    }
}
