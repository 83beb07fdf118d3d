using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Store;
using Tidegate.Server.Progress;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests.Security;

/// <summary>The progress hub boundary: a hub client (any viewer) that stops reading must not slow anyone else's progress.
/// The slow client is a real WebSocket with a tiny receive window that never reads, on a real server.</summary>
public sealed class HubBackpressureTests : IAsyncLifetime
{
    /// <summary>How late another operation's event may arrive while a client stalls (the old gate held it for 15 s).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    // Loopback sockets buffer a few MB on the sending side, so the stalled client is sent ~8 MB (far more than buffers hold).
    private static readonly string Filler = new('x', 20_000);
    private RealServer _server = null!;
    private Seed _seed = null!;

    public async Task InitializeAsync()
    {
        _server = await RealServer.StartAsync();
        _seed = await Seed.CreateAsync(_server.Store);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ProgressPublisher Publisher => _server.Services.GetRequiredService<ProgressPublisher>();

    [Fact]
    public async Task AStalledReplay_DoesNotDelayAnotherOperationsProgress_AndTheStalledClientIsDropped()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var big = await OperationAsync();
        for (var i = 0; i < 400; i++)
        {
            await _server.Store.ProgressEvents.AppendAsync(new NewProgressEvent(big.Id, _seed.Deployment.Id, null, ProgressEventKind.Progress, "pull",
                $"{i} {Filler}", i / 4, null, null, null, "Running"), cts.Token);
        }
        var other = await OperationAsync();
        var (socket, fast) = await FastClientAsync(other.Id, cts.Token);
        using var owned = socket;

        using var slow = await StalledClientAsync($"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"SubscribeToOperation\",\"arguments\":[\"{big.Id}\"]}}", cts.Token);
        // The replay has begun: the stalled client's small receive buffer holds its first part.
        await Wait.UntilAsync(_ => Task.FromResult(slow.Available), n => n > 1000, "the replay reaching the stalled client", Timeout);

        var latency = await PublishAndReceiveAsync(fast, other.Id, cts.Token);

        Assert.True(latency < Bound, $"another operation's event took {latency} while a client stalled");
        await Wait.UntilAsync(_ => Task.FromResult(Publisher.Hub.Dropped), n => n >= 1, "the stalled client dropped", Timeout);
    }

    [Fact]
    public async Task AClientThatStopsReadingLiveEvents_NeitherSlowsThePublisher_NorAnotherOperationsProgress()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var busy = await OperationAsync();
        var other = await OperationAsync();
        var (socket, fast) = await FastClientAsync(other.Id, cts.Token);
        using var owned = socket;
        using var slow = await StalledClientAsync(
            $"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"SubscribeToDeploymentId\",\"arguments\":[\"{_seed.Deployment.Id}\"]}}", cts.Token);
        await Wait.UntilAsync(_ => Task.FromResult(slow.Available), n => n > 0, "the stalled client's handshake answered", Timeout);

        // About 8 MB for a client that takes nothing: far beyond its socket and pipe buffers.
        var watch = Stopwatch.StartNew();
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 400; i++)
        {
            var one = Stopwatch.StartNew();
            await Publisher.PublishAsync(new ProgressUpdate(busy.Id, _seed.Deployment.Id, null, "start", $"{i} {Filler}", i / 4), cts.Token);
            slowest = one.Elapsed > slowest ? one.Elapsed : slowest;
        }
        var latency = await PublishAndReceiveAsync(fast, other.Id, cts.Token);

        Assert.True(slowest < Bound, $"one publish took {slowest} (400 took {watch.Elapsed}) with a stalled subscriber");
        Assert.True(latency < Bound, $"another operation's event took {latency} after a client stalled");
        await Wait.UntilAsync(_ => Task.FromResult(Publisher.Hub.Dropped), n => n >= 1, "the stalled client dropped", Timeout);
    }

    private async Task<OperationRecord> OperationAsync()
        => await _server.Store.Operations.CreateAsync(new NewOperation(_seed.Deployment.Id, _seed.Deployment.Name, OperationKind.Upgrade, "test"), default);

    private async Task<TimeSpan> PublishAndReceiveAsync(HubReader hub, string operationId, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var published = await Publisher.PublishAsync(new ProgressUpdate(operationId, _seed.Deployment.Id, null, "verify", "still moving", 80), ct);
        while (true)
        {
            var message = await hub.NextInvocationAsync(ct);
            if (message.GetProperty("arguments")[0].GetProperty("id").GetInt64() == published.Id)
            {
                return watch.Elapsed;
            }
        }
    }

    private async Task<(ClientWebSocket Socket, HubReader Hub)> FastClientAsync(string operationId, CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new UriBuilder(_server.Address) { Scheme = "ws", Path = "/hubs/deployment", Query = "access_token=" + _seed.ViewerToken }.Uri, ct);
        var hub = new HubReader(socket);
        await hub.SendAsync("{\"protocol\":\"json\",\"version\":1}", ct);
        await hub.NextAsync(ct);
        await hub.SendAsync($"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"SubscribeToOperation\",\"arguments\":[\"{operationId}\"]}}", ct);
        await hub.NextOfTypeAsync(3, ct);
        return (socket, hub);
    }

    /// <summary>A WebSocket over a socket with a 4 KiB receive buffer that sends the SignalR handshake and
    /// <paramref name="invocation"/>, then never reads. The socket is returned so the test can see what arrived.</summary>
    private async Task<Socket> StalledClientAsync(string invocation, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(_server.Address.Host, _server.Address.Port, ct);
        var stream = new NetworkStream(socket, ownsSocket: false);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET /hubs/deployment?access_token={_seed.ViewerToken} HTTP/1.1\r\nHost: {_server.Address.Authority}\r\nUpgrade: websocket\r\n" +
            $"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"), ct);
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            Assert.Equal(1, await stream.ReadAsync(one, ct));
            head.Append((char)one[0]);
        }
        Assert.StartsWith("HTTP/1.1 101", head.ToString(), StringComparison.Ordinal);
        var ws = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = System.Threading.Timeout.InfiniteTimeSpan });
        var hub = new HubReader(ws);
        await hub.SendAsync("{\"protocol\":\"json\",\"version\":1}", ct);
        await hub.SendAsync(invocation, ct);
        return socket;
    }
}
