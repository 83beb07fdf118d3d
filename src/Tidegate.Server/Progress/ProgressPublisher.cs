using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Tidegate.Core.Store;

namespace Tidegate.Server.Progress;

/// <summary>Stores and fans out progress events. A short lock orders "append + enqueue", so live events leave in id order;
/// nothing under it waits for a client: hub clients are fed through their own bounded queues (<see cref="HubOutbox"/>),
/// which a slow client overflows and is dropped, and a subscription's replay fills only its own connection's queue.</summary>
internal sealed class ProgressPublisher(TidegateStore store, IHubContext<DeploymentHub> hub, ILogger<ProgressPublisher> logger) : IProgressPublisher, IDisposable
{
    private readonly ConcurrentDictionary<Guid, Subscription> _streams = new();
    private readonly SemaphoreSlim _order = new(1, 1);

    /// <summary>Per-connection delivery to hub clients.</summary>
    public HubOutbox Hub { get; } = new(hub, logger);

    public async Task<ProgressEventMessage> PublishAsync(ProgressUpdate update, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(update);
        await _order.WaitAsync(ct);
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
            Hub.Publish(groups, new HubMessage(HubMethods.For(update.Kind), message, message.Id));
            foreach (var stream in _streams.Values.Where(s => s.OperationId == update.OperationId))
            {
                stream.Channel.Writer.TryWrite(message);
            }
            return message;
        }
        finally
        {
            _order.Release();
        }
    }

    public Task PublishModeChangedAsync(ModeChange change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        var message = new ModeChangedMessage(change.DeploymentId, change.From.ToString(), change.To.ToString(), change.Reason, change.ChangedBy, change.At);
        DeploymentEvents.Publish(change.DeploymentId, "modeChanged", message);
        Hub.Publish([DeploymentHub.DeploymentGroup(change.DeploymentId)], new HubMessage(HubMethods.ModeChanged, message, null));
        return Task.CompletedTask;
    }

    public Task PublishObserverStatusAsync(ObserverStatusMessage status, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(status);
        DeploymentEvents.Publish(status.DeploymentId, "observerStatus", status);
        Hub.Publish([DeploymentHub.DeploymentGroup(status.DeploymentId)], new HubMessage(HubMethods.ObserverStatus, status, null));
        return Task.CompletedTask;
    }

    public void Dispose() => _order.Dispose();

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
