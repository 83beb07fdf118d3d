using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Tidegate.Core.Store;
using Tidegate.Server.Http;
using Tidegate.Server.Progress;

namespace Tidegate.Server.Operations;

/// <summary>GET /api/operations/{id}/events as Server-Sent Events: the stored events after Last-Event-ID
/// (header, or <c>?lastEventId=</c>), then live ones; <c>id:</c> on every event, a comment as heartbeat,
/// and the stream ends after the completed or failed event (or at once when the operation already ended).</summary>
internal static class OperationEventStream
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task<IResult> StreamAsync(string operationId, HttpContext context, ClaimsPrincipal user, TidegateStore store,
        ProgressPublisher publisher, IOptions<JsonOptions> json, TimeProvider time, CancellationToken ct)
    {
        try
        {
            return await StreamCoreAsync(operationId, context, user, store, publisher, json, time, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Results.Empty; // the client went away
        }
    }

    private static async Task<IResult> StreamCoreAsync(string operationId, HttpContext context, ClaimsPrincipal user, TidegateStore store,
        ProgressPublisher publisher, IOptions<JsonOptions> json, TimeProvider time, CancellationToken ct)
    {
        if (await OperationsApi.FindVisibleAsync(operationId, user, store, ct) is null)
        {
            return Problems.NotFound("Operation", operationId);
        }
        var lastId = ParseLastEventId(context.Request);
        if (lastId < 0)
        {
            return Problems.Invalid("Last-Event-ID", "Last-Event-ID must be a non-negative event id.");
        }
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var serializer = json.Value.SerializerOptions;

        // Subscribe before reading the store, so nothing published in between is lost; ids drop the overlap.
        using var live = publisher.SubscribeToOperation(operationId);
        await response.WriteAsync(": stream of operation " + operationId + "\n\n", ct);
        while (true)
        {
            var stored = await store.ProgressEvents.ListAfterAsync(lastId, operationId, null, Page.MaxLimit, ct);
            foreach (var e in stored)
            {
                var message = ProgressEventMessage.From(e);
                await WriteAsync(response, message, serializer, ct);
                lastId = e.Id;
                if (message.IsTerminal)
                {
                    return Results.Empty;
                }
            }
            if (stored.Count < Page.MaxLimit)
            {
                break;
            }
        }
        if (await store.Operations.GetAsync(operationId, ct) is { } op && OperationStatusTransitions.IsTerminal(op.Status))
        {
            await response.WriteAsync($"event: end\ndata: {{\"status\":\"{op.Status}\"}}\n\n", ct);
            return Results.Empty;
        }

        var reader = live.Channel.Reader;
        while (!ct.IsCancellationRequested)
        {
            using var wait = new CancellationTokenSource(Heartbeat, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, wait.Token);
            try
            {
                if (!await reader.WaitToReadAsync(linked.Token))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await response.WriteAsync(": heartbeat\n\n", ct);
                await response.Body.FlushAsync(ct);
                continue;
            }
            while (reader.TryRead(out var message))
            {
                if (message.Id <= lastId)
                {
                    continue;
                }
                await WriteAsync(response, message, serializer, ct);
                lastId = message.Id;
                if (message.IsTerminal)
                {
                    return Results.Empty;
                }
            }
        }
        return Results.Empty;
    }

    private static long ParseLastEventId(HttpRequest request)
    {
        var text = request.Headers["Last-Event-ID"].ToString();
        if (string.IsNullOrEmpty(text))
        {
            text = request.Query["lastEventId"].ToString();
        }
        return string.IsNullOrEmpty(text) ? 0 : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1;
    }

    private static async Task WriteAsync(HttpResponse response, ProgressEventMessage message, JsonSerializerOptions options, CancellationToken ct)
    {
        var data = JsonSerializer.Serialize(message, options);
        await response.WriteAsync($"id: {message.Id}\nevent: {message.Kind}\ndata: {data}\n\n", ct);
        await response.Body.FlushAsync(ct);
    }
}
