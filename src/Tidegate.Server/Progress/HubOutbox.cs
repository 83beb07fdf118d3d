using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;

namespace Tidegate.Server.Progress;

/// <summary>One message for one hub connection. <see cref="EventId"/> is the stored progress event's id (null for mode
/// changes and observer status, which are not replayed).</summary>
internal sealed record HubMessage(string Method, object Payload, long? EventId)
{
    /// <summary>Completed by the pump when it reaches this message (sent or skipped).</summary>
    public TaskCompletionSource? Reached { get; init; }
}

/// <summary>What reaches hub clients goes through here: one bounded queue per connection, drained by that connection's own
/// pump. Publishing only enqueues (it never waits for a client); a connection whose queue is full, or whose client does not
/// take a message within <see cref="SendTimeout"/>, is dropped (aborted): it can reconnect and resubscribe, and the
/// replay gives it what it missed. A subscription's replay fills only its own connection's queue and holds that
/// connection's live events meanwhile, so it never blocks anyone else.</summary>
internal sealed class HubOutbox(IHubContext<DeploymentHub> hub, ILogger logger)
{
    /// <summary>Messages a connection may have waiting; more means the client does not keep up.</summary>
    public const int Capacity = 512;

    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);

    private readonly IHubContext<DeploymentHub> _hub = hub;
    private readonly ConcurrentDictionary<string, HubConnectionQueue> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _groups = new(StringComparer.Ordinal);

    /// <summary>Connections dropped because they did not keep up (for tests and diagnostics).</summary>
    public int Dropped => _dropped;

    private int _dropped;

    public void Connect(HubCallerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var queue = new HubConnectionQueue(this, context);
        _connections[context.ConnectionId] = queue;
        queue.Start();
    }

    public void Disconnect(string connectionId)
    {
        if (_connections.TryRemove(connectionId, out var queue))
        {
            queue.Close();
        }
        foreach (var members in _groups.Values)
        {
            members.TryRemove(connectionId, out _);
        }
    }

    /// <summary>Joins <paramref name="group"/> and replays what <paramref name="replay"/> yields before any live event of
    /// that group; live events the replay already carried are not sent twice (event ids are global and increasing).</summary>
    public async Task SubscribeAsync(string connectionId, string group, Func<CancellationToken, IAsyncEnumerable<HubMessage>>? replay, CancellationToken ct)
    {
        if (!_connections.TryGetValue(connectionId, out var queue))
        {
            return;
        }

        queue.BeginReplay(group);
        _groups.GetOrAdd(group, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[connectionId] = 0;
        long through = 0;
        try
        {
            if (replay is not null)
            {
                await foreach (var message in replay(ct))
                {
                    await queue.EnqueueReplayAsync(message, ct);
                    through = Math.Max(through, message.EventId ?? 0);
                }
            }

            // The subscribe call returns once its replay went out (as before), waiting for its own client only.
            var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await queue.EnqueueReplayAsync(new HubMessage(string.Empty, string.Empty, null) { Reached = sent }, ct);
            await sent.Task.WaitAsync(ct);
        }
        finally
        {
            queue.EndReplay(group, through);
        }
    }

    public void Unsubscribe(string connectionId, string group)
    {
        if (_groups.TryGetValue(group, out var members))
        {
            members.TryRemove(connectionId, out _);
        }
    }

    /// <summary>Queues <paramref name="message"/> for every connection in any of <paramref name="groups"/> (once per
    /// connection). Never waits.</summary>
    public void Publish(IReadOnlyList<string> groups, HubMessage message)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            if (_groups.TryGetValue(group, out var members))
            {
                foreach (var id in members.Keys)
                {
                    targets.TryAdd(id, group);
                }
            }
        }
        foreach (var (id, group) in targets)
        {
            if (_connections.TryGetValue(id, out var queue))
            {
                queue.Deliver(group, message);
            }
        }
    }

    private void Drop(HubConnectionQueue queue, string why)
    {
        Interlocked.Increment(ref _dropped);
        Hosting.Log.HubClientDropped(logger, queue.ConnectionId, why);
        queue.Abort();
        Disconnect(queue.ConnectionId);
    }

    /// <summary>One connection's queue and pump.</summary>
    private sealed class HubConnectionQueue(HubOutbox owner, HubCallerContext context)
    {
        private readonly Channel<HubMessage> _channel = Channel.CreateBounded<HubMessage>(
            new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        private volatile bool _closed;
        private readonly Lock _gate = new();

        /// <summary>Group → live events held while its replay runs (null: no replay running), and the id the replay reached.</summary>
        private readonly Dictionary<string, (List<HubMessage>? Held, long Through)> _replays = new(StringComparer.Ordinal);

        public string ConnectionId => context.ConnectionId;

        public void Start() => _ = Task.Run(PumpAsync, CancellationToken.None);

        public void BeginReplay(string group)
        {
            lock (_gate)
            {
                _replays[group] = ([], _replays.TryGetValue(group, out var earlier) ? earlier.Through : 0);
            }
        }

        public async Task EnqueueReplayAsync(HubMessage message, CancellationToken ct)
        {
            // The subscriber's own call waits for room in its own queue (bounded by the hub's replay timeout).
            await _channel.Writer.WriteAsync(message, ct);
        }

        public void EndReplay(string group, long through)
        {
            lock (_gate)
            {
                var (held, earlier) = _replays[group];
                var reached = Math.Max(through, earlier);
                _replays[group] = (null, reached);
                foreach (var message in held ?? [])
                {
                    if (message.EventId is not { } id || id > reached)
                    {
                        Enqueue(message);
                    }
                }
            }
        }

        public void Deliver(string group, HubMessage message)
        {
            lock (_gate)
            {
                if (_replays.TryGetValue(group, out var replay))
                {
                    if (replay.Held is { } held)
                    {
                        if (held.Count >= Capacity)
                        {
                            owner.Drop(this, $"more than {Capacity} live messages arrived during its replay");
                            return;
                        }
                        held.Add(message);
                        return;
                    }
                    if (message.EventId is { } id && id <= replay.Through)
                    {
                        return;
                    }
                }
                Enqueue(message);
            }
        }

        public void Abort()
        {
            try
            {
                context.Abort();
            }
            catch (ObjectDisposedException)
            {
                // already gone
            }
        }

        public void Close()
        {
            _closed = true;
            _channel.Writer.TryComplete();
        }

        private void Enqueue(HubMessage message)
        {
            if (!_channel.Writer.TryWrite(message) && !_closed)
            {
                owner.Drop(this, $"its queue of {Capacity} messages is full");
            }
        }

        private async Task PumpAsync()
        {
            // Ends when Close completes the queue; what is left goes to a connection that is gone, which costs nothing.
            await foreach (var message in _channel.Reader.ReadAllAsync())
            {
                if (_closed || message.Reached is not null)
                {
                    message.Reached?.TrySetResult();
                    continue;
                }

                using var timeout = new CancellationTokenSource(SendTimeout);
                try
                {
                    await owner._hub.Clients.Client(ConnectionId).SendAsync(message.Method, message.Payload, timeout.Token);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    owner.Drop(this, $"it did not take a message within {SendTimeout.TotalSeconds:0} s");
                }
            }
        }
    }
}
