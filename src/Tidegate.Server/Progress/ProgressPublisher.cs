using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Tidegate.Core.Store;

namespace Tidegate.Server.Progress;

/// <summary>Stores and fans out progress events. One gate orders "append + push" against a hub
/// subscription's "join group + replay", so a subscriber sees every event exactly once and in order:
/// an event is either stored before the replay reads (and replayed) or pushed after the client joined.</summary>
internal sealed class ProgressPublisher(TidegateStore store, IHubContext<DeploymentHub> hub, ILogger<ProgressPublisher> logger) : IProgressPublisher
{
    private readonly ConcurrentDictionary<Guid, Subscription> _streams = new();

    public static readonly TimeSpan HubSendTimeout = TimeSpan.FromSeconds(5);

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public async Task<ProgressEventMessage> PublishAsync(ProgressUpdate update, CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            var stored = await store.ProgressEvents.AppendAsync(new NewProgressEvent(update.OperationId, update.DeploymentId, update.SessionId,
                update.Kind, update.Phase, update.Message, update.PercentComplete, update.CurrentService, update.ServicesTotal,
                update.ServicesCompleted, update.Status), ct);
            var message = ProgressEventMessage.From(stored);
            Hosting.Log.Progress(logger, update.OperationId, update.Phase, update.PercentComplete);
            var groups = new List<string> { DeploymentHub.OperationGroup(update.OperationId) };
            if (update.SessionId is { } session)
            {
                groups.Add(DeploymentHub.SessionGroup(session));
            }
            if (update.DeploymentId is { } deployment)
            {
                groups.Add(DeploymentHub.DeploymentGroup(deployment));
            }
            // A client that does not read must not stall the engine: the push gives up after a while (the
            // event is stored, so a resubscribe replays it).
            using (var push = new CancellationTokenSource(HubSendTimeout))
            {
                try
                {
                    await hub.Clients.Groups(groups).SendAsync(HubMethods.For(update.Kind), message, push.Token);
                }
                catch (OperationCanceledException) when (push.IsCancellationRequested)
                {
                    Hosting.Log.SlowHubClient(logger, update.OperationId);
                }
            }
            foreach (var stream in _streams.Values.Where(s => s.OperationId == update.OperationId))
            {
                stream.Channel.Writer.TryWrite(message);
            }
            return message;
        }
        finally
        {
            Gate.Release();
        }
    }

    public Task PublishModeChangedAsync(ModeChange change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        var message = new ModeChangedMessage(change.DeploymentId, change.From.ToString(), change.To.ToString(), change.Reason, change.ChangedBy, change.At);
        DeploymentEvents.Publish(change.DeploymentId, "modeChanged", message);
        return hub.Clients.Group(DeploymentHub.DeploymentGroup(change.DeploymentId)).SendAsync(HubMethods.ModeChanged, message, CancellationToken.None);
    }

    public Task PublishObserverStatusAsync(ObserverStatusMessage status, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(status);
        DeploymentEvents.Publish(status.DeploymentId, "observerStatus", status);
        return hub.Clients.Group(DeploymentHub.DeploymentGroup(status.DeploymentId)).SendAsync(HubMethods.ObserverStatus, status, CancellationToken.None);
    }

    /// <summary>Live mode changes and observer results per deployment, for GET /api/deployments/{id}/events.</summary>
    public DeploymentEventBroadcaster DeploymentEvents { get; } = new();

    /// <summary>Live events of one operation for an SSE stream; dispose to stop. Subscribe before reading
    /// the stored events and drop ids already sent.</summary>
    public Subscription SubscribeToOperation(string operationId)
    {
        var subscription = new Subscription(operationId, this);
        _streams[subscription.Key] = subscription;
        return subscription;
    }

    internal sealed class Subscription(string operationId, ProgressPublisher owner) : IDisposable
    {
        public Guid Key { get; } = Guid.NewGuid();

        public string OperationId { get; } = operationId;

        public Channel<ProgressEventMessage> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<ProgressEventMessage>();

        public void Dispose()
        {
            owner._streams.TryRemove(Key, out _);
            Channel.Writer.TryComplete();
        }
    }
}
