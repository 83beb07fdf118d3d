using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Tidegate.Core.Store;
using Tidegate.Server.Http;

namespace Tidegate.Server.Progress;

/// <summary>One event of a deployment's stream: <c>modeChanged</c> (<see cref="ModeChangedMessage"/>) or <c>observerStatus</c>
/// (<see cref="ObserverStatusMessage"/>).</summary>
internal sealed record DeploymentEvent(string DeploymentId, string Name, object Data);

/// <summary>Fans out deployment events to SSE subscribers. Not stored: the stream carries what happens from now on (the mode
/// history and GET .../observer hold the state).</summary>
internal sealed class DeploymentEventBroadcaster
{
    private readonly ConcurrentDictionary<Guid, (string DeploymentId, Channel<DeploymentEvent> Channel)> _subscribers = new();

    public void Publish(string deploymentId, string name, object data)
    {
        foreach (var (_, s) in _subscribers.Where(s => s.Value.DeploymentId == deploymentId))
        {
            s.Channel.Writer.TryWrite(new DeploymentEvent(deploymentId, name, data));
        }
    }

    public (Guid Key, ChannelReader<DeploymentEvent> Reader) Subscribe(string deploymentId)
    {
        var key = Guid.NewGuid();
        var channel = Channel.CreateBounded<DeploymentEvent>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        _subscribers[key] = (deploymentId, channel);
        return (key, channel.Reader);
    }

    public void Unsubscribe(Guid key)
    {
        if (_subscribers.TryRemove(key, out var s))
        {
            s.Channel.Writer.TryComplete();
        }
    }
}

/// <summary>GET /api/deployments/{id}/events: Server-Sent Events <c>modeChanged</c> and <c>observerStatus</c> as they happen,
/// starting with the observer's current status; a comment every 15 s as heartbeat.</summary>
internal static class DeploymentEventStream
{
    public static async Task<IResult> StreamAsync(string id, HttpContext context, TidegateStore store, ProgressPublisher publisher,
        Observers.ObserverHost observers, IOptions<JsonOptions> json, TimeProvider time, CancellationToken ct)
    {
        if (await store.Deployments.GetAsync(id, ct) is null)
        {
            return Problems.NotFound("Deployment", id);
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var options = json.Value.SerializerOptions;
        var (key, reader) = publisher.DeploymentEvents.Subscribe(id);
        try
        {
            await response.WriteAsync(": events of deployment " + id + "\n\n", ct);
            await WriteAsync(response, "observerStatus", observers.StatusOf(id), options, ct);
            while (!ct.IsCancellationRequested)
            {
                using var wait = new CancellationTokenSource(OperationEventStreamHeartbeat, time);
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

                while (reader.TryRead(out var e))
                {
                    await WriteAsync(response, e.Name, e.Data, options, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            publisher.DeploymentEvents.Unsubscribe(key);
        }

        return Results.Empty;
    }

    private static readonly TimeSpan OperationEventStreamHeartbeat = TimeSpan.FromSeconds(15);

    private static async Task WriteAsync(HttpResponse response, string name, object data, JsonSerializerOptions options, CancellationToken ct)
    {
        await response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, data.GetType(), options)}\n\n", ct);
        await response.Body.FlushAsync(ct);
    }
}
