using Microsoft.AspNetCore.SignalR;
using Tidegate.Core.Store;

namespace Tidegate.Server.Progress;

/// <summary>Live progress at /hubs/deployment. A client subscribes, then first receives the stored events it
/// missed, then live ones: DeploymentProgress, DeploymentCompleted, DeploymentFailed (and OperationModeChanged
/// for deployment subscriptions). Authentication: the cookie or an API token (header or access_token query).</summary>
internal sealed class DeploymentHub(TidegateStore store, ProgressPublisher publisher) : Hub
{
    private static readonly TimeSpan ReplayTimeout = TimeSpan.FromSeconds(15);

    public static string SessionGroup(string sessionId) => "session:" + sessionId;

    public static string OperationGroup(string operationId) => "operation:" + operationId;

    public static string DeploymentGroup(string deploymentId) => "deployment:" + deploymentId;

    public override Task OnConnectedAsync()
    {
        publisher.Hub.Connect(Context);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        publisher.Hub.Disconnect(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>The seeds' subscription: events of operations started with this sessionId.</summary>
    public Task SubscribeToDeployment(string sessionId) => SubscribeAsync(SessionGroup(Require(sessionId, nameof(sessionId))), null, sessionId);

    public Task SubscribeToOperation(string operationId) => SubscribeAsync(OperationGroup(Require(operationId, nameof(operationId))), operationId, null);

    /// <summary>Live events of every operation of a deployment and its mode changes (no replay).</summary>
    public Task SubscribeToDeploymentId(string deploymentId)
        => publisher.Hub.SubscribeAsync(Context.ConnectionId, DeploymentGroup(Require(deploymentId, nameof(deploymentId))), null, Context.ConnectionAborted);

    public Task UnsubscribeFromDeployment(string sessionId)
    {
        publisher.Hub.Unsubscribe(Context.ConnectionId, SessionGroup(sessionId));
        return Task.CompletedTask;
    }

    public Task UnsubscribeFromOperation(string operationId)
    {
        publisher.Hub.Unsubscribe(Context.ConnectionId, OperationGroup(operationId));
        return Task.CompletedTask;
    }

    private async Task SubscribeAsync(string group, string? operationId, string? sessionId)
    {
        // The replay fills this connection's own queue only; a client too slow to take it within the timeout is dropped.
        using var replay = CancellationTokenSource.CreateLinkedTokenSource(Context.ConnectionAborted);
        replay.CancelAfter(ReplayTimeout);
        try
        {
            await publisher.Hub.SubscribeAsync(Context.ConnectionId, group, ct => StoredAsync(operationId, sessionId, ct), replay.Token);
        }
        catch (OperationCanceledException) when (replay.IsCancellationRequested && !Context.ConnectionAborted.IsCancellationRequested)
        {
            Context.Abort();
        }
    }

    private async IAsyncEnumerable<HubMessage> StoredAsync(string? operationId, string? sessionId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        long after = 0;
        while (true)
        {
            var missed = await store.ProgressEvents.ListAfterAsync(after, operationId, sessionId, Page.MaxLimit, ct);
            foreach (var e in missed)
            {
                yield return new HubMessage(HubMethods.For(e.Kind), ProgressEventMessage.From(e), e.Id);
                after = e.Id;
            }
            if (missed.Count < Page.MaxLimit)
            {
                yield break;
            }
        }
    }

    private static string Require(string value, string name)
        => string.IsNullOrWhiteSpace(value) || value.Length > 200 ? throw new HubException($"{name} is required (at most 200 characters).") : value;
}
