using System.Text.Json;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;

namespace Tidegate.Server.Audit;

/// <summary>Endpoint metadata naming the audit action (default: "METHOD /route/pattern").</summary>
internal sealed record AuditActionMetadata(string Action);

internal static class AuditExtensions
{
    public static TBuilder WithAuditAction<TBuilder>(this TBuilder builder, string action) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new AuditActionMetadata(action));
}

/// <summary>Records every state-changing request under /api (POST, PUT, PATCH, DELETE), allowed or not:
/// actor, action, target (route ids), result (status code), reason and source IP. Request bodies are never
/// stored; only a top-level string <c>reason</c> is read from a JSON body. Every field is bounded, and refused requests
/// without credentials are sampled and counted (<see cref="AnonymousAuditSampler"/>), so a row costs a caller at least a
/// valid credential or a successful login.</summary>
internal sealed class AuditMiddleware(RequestDelegate next, AnonymousAuditSampler sampler, ILogger<AuditMiddleware> logger)
{
    private const string ActorItem = "tidegate.audit.actor";
    private const int MaxReasonBodyBytes = 64 * 1024;
    internal const int MaxActorLength = 128;
    internal const int MaxTargetLength = 256;
    internal const int MaxPathLength = 256;
    internal const int MaxReasonLength = 500;

    /// <summary>For anonymous endpoints (login) that know who the request claims to be.</summary>
    public static void SetActor(HttpContext context, string actor) => context.Items[ActorItem] = actor;

    public async Task InvokeAsync(HttpContext context, TidegateStore store)
    {
        var method = context.Request.Method;
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            || !(HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method)))
        {
            await next(context);
            return;
        }
        // Taken now: the exception handler clears the endpoint and route values before it writes the problem.
        var endpoint = context.GetEndpoint();
        // An unknown path is not an action: naming it by its path would let anyone mint unbounded action names.
        var pattern = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
        var action = endpoint?.Metadata.GetMetadata<AuditActionMetadata>()?.Action ?? $"{method.ToUpperInvariant()} {pattern}";
        var target = Truncate(string.Join(";", context.Request.RouteValues
            .Where(v => v.Value is string)
            .OrderBy(v => v.Key, StringComparer.Ordinal)
            .Select(v => $"{v.Key}={v.Value}")), MaxTargetLength);
        var reason = await ReadReasonAsync(context.Request);
        var entry = new PendingEntry(action, string.IsNullOrEmpty(target) ? null : target, reason);
        var recorded = 0;
        // Recorded as the response starts (also when the exception handler writes a problem), so the entry
        // exists before the client sees the answer; the finally covers responses that never started.
        context.Response.OnStarting(() => Interlocked.Exchange(ref recorded, 1) == 0 ? RecordAsync(context, store, entry) : Task.CompletedTask);
        var failed = false;
        try
        {
            await next(context);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            if (!failed && Interlocked.Exchange(ref recorded, 1) == 0)
            {
                await RecordAsync(context, store, entry);
            }
        }
    }

    private sealed record PendingEntry(string Action, string? Target, string? Reason);

    private async Task RecordAsync(HttpContext context, TidegateStore store, PendingEntry pending)
    {
        var authenticated = context.User.Identity?.IsAuthenticated == true;
        var actor = Truncate(authenticated ? context.User.ActorName() : context.Items[ActorItem] as string ?? "anonymous", MaxActorLength)!;
        var status = context.Response.StatusCode;
        var result = status switch
        {
            < 400 => AuditResult.Succeeded,
            401 or 403 => AuditResult.Denied,
            _ => AuditResult.Failed,
        };
        var address = context.Connection.RemoteIpAddress?.ToString();
        var entries = new List<NewAuditEntry>(2);
        // A successful anonymous request is a login: it needed the password, so it is written like any other.
        if (!authenticated && result != AuditResult.Succeeded)
        {
            var (write, endedSummary) = sampler.Admit(pending.Action, result, address, context.Items[ActorItem] as string);
            if (endedSummary is not null)
            {
                entries.Add(endedSummary);
            }
            if (!write)
            {
                await AppendAsync(store, entries, pending.Action);
                return;
            }
        }
        var details = JsonSerializer.Serialize(new { status, method = context.Request.Method, path = Truncate(context.Request.Path.Value, MaxPathLength) });
        entries.Add(new NewAuditEntry(actor, pending.Action, pending.Target, result, pending.Reason, address, details));
        await AppendAsync(store, entries, pending.Action);
    }

    private async Task AppendAsync(TidegateStore store, List<NewAuditEntry> entries, string action)
    {
        try
        {
            foreach (var entry in entries)
            {
                // Not the request's token: a client that disconnects must still leave its audit entry.
                await store.AuditLog.AppendAsync(entry, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Hosting.Log.AuditFailed(logger, ex, action);
        }
    }

    private static async Task<string?> ReadReasonAsync(HttpRequest request)
    {
        if (request.ContentLength is null or 0 or > MaxReasonBodyBytes || request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return null;
        }
        request.EnableBuffering();
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String
                ? Truncate(reason.GetString(), MaxReasonLength)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    private static string? Truncate(string? text, int max) => text is not null && text.Length > max ? text[..max] + "…" : text;
}
