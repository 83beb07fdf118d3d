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

    /// <summary>The seeds' subscription: events of operations started with this sessionId.</summary>
    public Task SubscribeToDeployment(string sessionId) => SubscribeAsync(SessionGroup(Require(sessionId, nameof(sessionId))), null, sessionId);

    public Task SubscribeToOperation(string operationId) => SubscribeAsync(OperationGroup(Require(operationId, nameof(operationId))), operationId, null);

    /// <summary>Live events of every operation of a deployment and its mode changes (no replay).</summary>
    public Task SubscribeToDeploymentId(string deploymentId)
        => Groups.AddToGroupAsync(Context.ConnectionId, DeploymentGroup(Require(deploymentId, nameof(deploymentId))), Context.ConnectionAborted);

    public Task UnsubscribeFromDeployment(string sessionId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, SessionGroup(sessionId));

    public Task UnsubscribeFromOperation(string operationId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, OperationGroup(operationId));

    private async Task SubscribeAsync(string group, string? operationId, string? sessionId)
    {
        // The replay runs under the publisher's gate; a client too slow to take it is dropped rather than
        // allowed to hold up every publisher.
        using var replay = CancellationTokenSource.CreateLinkedTokenSource(Context.ConnectionAborted);
        replay.CancelAfter(ReplayTimeout);
        var ct = replay.Token;
        await publisher.Gate.WaitAsync(ct);
        try
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group, ct);
            long after = 0;
            while (true)
            {
                var missed = await store.ProgressEvents.ListAfterAsync(after, operationId, sessionId, Page.MaxLimit, ct);
                foreach (var e in missed)
                {
                    await Clients.Caller.SendAsync(HubMethods.For(e.Kind), ProgressEventMessage.From(e), ct);
                    after = e.Id;
                }
                if (missed.Count < Page.MaxLimit)
                {
                    break;
                }
            }
        }
        finally
        {
            publisher.Gate.Release();
        }
    }

    private static string Require(string value, string name)
        => string.IsNullOrWhiteSpace(value) || value.Length > 200 ? throw new HubException($"{name} is required (at most 200 characters).") : value;
}
