using System.Net.Http.Json;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Store;
using Tidegate.Server.Progress;

namespace Tidegate.Server.Tests;

public sealed class LiveProgressTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private RealServer _server = null!;
    private Seed _seed = null!;

    public async Task InitializeAsync()
    {
        _server = await RealServer.StartAsync("--Observers:FileRoots:0", FlagRoot);
        _seed = await Seed.CreateAsync(_server.Store);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private IProgressPublisher Publisher => _server.Services.GetRequiredService<IProgressPublisher>();

    private async Task<OperationRecord> OperationAsync(string? sessionId)
        => await _server.Store.Operations.CreateAsync(new NewOperation(_seed.Deployment.Id, "web", OperationKind.Upgrade, "test", sessionId), default);

    [Fact]
    public async Task Hub_SubscribeToDeployment_ReplaysMissedEventsThenStreamsLiveOnes()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var op = await OperationAsync("session-1");
        await Publisher.PublishAsync(new ProgressUpdate(op.Id, _seed.Deployment.Id, "session-1", "Pulling images", "pulling", 10, "web", 2, 0), cts.Token);
        await Publisher.PublishAsync(new ProgressUpdate(op.Id, _seed.Deployment.Id, "session-1", "Starting services", "starting", 50, "web", 2, 1), cts.Token);
        await Publisher.PublishAsync(new ProgressUpdate(op.Id, _seed.Deployment.Id, "another-session", "Other", null), cts.Token);

        using var socket = new ClientWebSocket();
        var ws = new UriBuilder(_server.Address) { Scheme = "ws", Path = "/hubs/deployment", Query = "access_token=" + Uri.EscapeDataString(_seed.ViewerToken) }.Uri;
        await socket.ConnectAsync(ws, cts.Token);
        var hub = new HubReader(socket);
        await hub.SendAsync("{\"protocol\":\"json\",\"version\":1}", cts.Token);
        Assert.Equal("{}", await hub.NextAsync(cts.Token));
        await hub.SendAsync("{\"type\":1,\"invocationId\":\"1\",\"target\":\"SubscribeToDeployment\",\"arguments\":[\"session-1\"]}", cts.Token);

        var replayed1 = await hub.NextInvocationAsync(cts.Token);
        var replayed2 = await hub.NextInvocationAsync(cts.Token);
        var completion = await hub.NextOfTypeAsync(3, cts.Token);
        await Publisher.PublishAsync(new ProgressUpdate(op.Id, _seed.Deployment.Id, "session-1", "Done", "upgraded", 100, null, 2, 2, "Succeeded",
            ProgressEventKind.Completed), cts.Token);
        var live = await hub.NextInvocationAsync(cts.Token);

        Assert.Equal("DeploymentProgress", replayed1.GetProperty("target").GetString());
        var first = replayed1.GetProperty("arguments")[0];
        Assert.Equal("Pulling images", first.GetProperty("phase").GetString());
        Assert.Equal(10, first.GetProperty("percentComplete").GetInt32());
        Assert.Equal("session-1", first.GetProperty("sessionId").GetString());
        Assert.Equal(op.Id, first.GetProperty("operationId").GetString());
        Assert.Equal(_seed.Deployment.Id, first.GetProperty("deploymentId").GetString());
        Assert.Equal(2, first.GetProperty("servicesTotal").GetInt32());
        Assert.Equal("Starting services", replayed2.GetProperty("arguments")[0].GetProperty("phase").GetString());
        Assert.Equal("1", completion.GetProperty("invocationId").GetString());
        Assert.False(completion.TryGetProperty("error", out _));
        Assert.Equal("DeploymentCompleted", live.GetProperty("target").GetString());
        Assert.Equal(100, live.GetProperty("arguments")[0].GetProperty("percentComplete").GetInt32());
    }

    [Fact]
    public async Task Hub_SubscribeToOperation_WithBearerHeader_ReplaysThatOperationOnly()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var op = await OperationAsync(null);
        var other = await OperationAsync(null);
        await Publisher.PublishAsync(new ProgressUpdate(other.Id, _seed.Deployment.Id, null, "Other", null), cts.Token);
        await Publisher.PublishAsync(new ProgressUpdate(op.Id, _seed.Deployment.Id, null, "Failed here", "boom", Kind: ProgressEventKind.Failed), cts.Token);

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + _seed.OperatorToken);
        await socket.ConnectAsync(new UriBuilder(_server.Address) { Scheme = "ws", Path = "/hubs/deployment" }.Uri, cts.Token);
        var hub = new HubReader(socket);
        await hub.SendAsync("{\"protocol\":\"json\",\"version\":1}", cts.Token);
        await hub.NextAsync(cts.Token);
        await hub.SendAsync($"{{\"type\":1,\"invocationId\":\"7\",\"target\":\"SubscribeToOperation\",\"arguments\":[\"{op.Id}\"]}}", cts.Token);

        var replayed = await hub.NextInvocationAsync(cts.Token);
        var completion = await hub.NextOfTypeAsync(3, cts.Token);

        Assert.Equal("DeploymentFailed", replayed.GetProperty("target").GetString());
        Assert.Equal("Failed here", replayed.GetProperty("arguments")[0].GetProperty("phase").GetString());
        Assert.Equal("7", completion.GetProperty("invocationId").GetString());
    }

    [Fact]
    public async Task Hub_WithoutToken_RefusesTheWebSocket()
    {
        using var socket = new ClientWebSocket();
        var ws = new UriBuilder(_server.Address) { Scheme = "ws", Path = "/hubs/deployment" }.Uri;

        var error = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(ws, CancellationToken.None));

        Assert.Contains("401", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sse_ResumesAfterLastEventId_ThenStreamsLiveEventsUntilCompletion()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var op = await OperationAsync(null);
        var e1 = await Publisher.PublishAsync(new ProgressUpdate(op.Id, _seed.Deployment.Id, null, "Snapshot", "one", 5), cts.Token);
        var e2 = await Publisher.PublishAsync(new ProgressUpdate(op.Id, _seed.Deployment.Id, null, "Pulling images", "two", 20), cts.Token);
        using var client = _server.Client(_seed.ViewerToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/operations/{op.Id}/events");
        request.Headers.Add("Last-Event-ID", e1.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var reader = new SseReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var resumed = await reader.NextEventAsync(cts.Token);
        var e3 = await Publisher.PublishAsync(new ProgressUpdate(op.Id, _seed.Deployment.Id, null, "Failed", "pull failed", 20, Status: "Failed",
            Kind: ProgressEventKind.Failed), cts.Token);
        var live = await reader.NextEventAsync(cts.Token);
        var end = await reader.NextEventAsync(cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(e2.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), resumed!.Value.Id);
        Assert.Equal("progress", resumed.Value.Event);
        Assert.Equal("Pulling images", JsonDocument.Parse(resumed.Value.Data).RootElement.GetProperty("phase").GetString());
        Assert.Equal(e3.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), live!.Value.Id);
        Assert.Equal("failed", live.Value.Event);
        Assert.Null(end);
    }

    [Fact]
    public async Task Hub_SubscribeToDeploymentId_PushesModeChangesAndObserverResultsAtOnce()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var socket = new ClientWebSocket();
        var ws = new UriBuilder(_server.Address) { Scheme = "ws", Path = "/hubs/deployment", Query = "access_token=" + Uri.EscapeDataString(_seed.ViewerToken) }.Uri;
        await socket.ConnectAsync(ws, cts.Token);
        var hub = new HubReader(socket);
        await hub.SendAsync("{\"protocol\":\"json\",\"version\":1}", cts.Token);
        Assert.Equal("{}", await hub.NextAsync(cts.Token));
        await hub.SendAsync($"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"SubscribeToDeploymentId\",\"arguments\":[\"{_seed.Deployment.Id}\"]}}", cts.Token);
        await hub.NextOfTypeAsync(3, cts.Token);
        using var client = _server.Client(_seed.OperatorToken);

        using (var changed = await client.PutAsJsonAsync($"/api/deployments/{_seed.Deployment.Id}/operation-mode", new { newMode = "Maintenance", reason = "backup" }, cts.Token))
        {
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        }
        var mode = await NextTargetAsync(hub, "OperationModeChanged", cts.Token);
        Assert.Equal(("Normal", "Maintenance", "backup"), (mode.GetProperty("from").GetString(), mode.GetProperty("to").GetString(),
            mode.GetProperty("reason").GetString()));

        var flag = Path.Combine(FlagRoot, "tidegate-hub-flag-" + Guid.NewGuid().ToString("N"));
        using (var observer = await client.PutAsJsonAsync($"/api/deployments/{_seed.Deployment.Id}/observer",
            new { type = "file", path = flag, maintenanceValue = "exists", normalValue = "missing", pollingInterval = "1s" }, cts.Token))
        {
            Assert.Equal(HttpStatusCode.OK, observer.StatusCode);
        }
        var status = await NextTargetAsync(hub, "ObserverStatus", cts.Token);
        Assert.Equal(("file", "api"), (status.GetProperty("type").GetString(), status.GetProperty("source").GetString()));
    }

    /// <summary>The file observers' allowed root (it need not exist: the flag is missing on purpose).</summary>
    private static string FlagRoot => Path.Combine(Path.GetTempPath(), "tidegate-hub-flags");

    private static async Task<JsonElement> NextTargetAsync(HubReader hub, string target, CancellationToken ct)
    {
        while (true)
        {
            var message = await hub.NextInvocationAsync(ct);
            if (message.GetProperty("target").GetString() == target)
            {
                return message.GetProperty("arguments")[0];
            }
        }
    }
}

/// <summary>A SignalR JSON-protocol client over a raw WebSocket: sends records, reads them one by one.</summary>
internal sealed class HubReader(WebSocket socket)
{
    private const char RecordSeparator = '\u001e';

    private readonly Queue<string> _messages = new();
    private readonly StringBuilder _buffer = new();

    public Task SendAsync(string json, CancellationToken ct)
        => socket.SendAsync(Encoding.UTF8.GetBytes(json + RecordSeparator), WebSocketMessageType.Text, true, ct);

    public async Task<string> NextAsync(CancellationToken ct)
    {
        var chunk = new byte[8192];
        while (_messages.Count == 0)
        {
            var result = await socket.ReceiveAsync(chunk, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("The hub closed the connection.");
            }
            _buffer.Append(Encoding.UTF8.GetString(chunk, 0, result.Count));
            var text = _buffer.ToString();
            var last = text.LastIndexOf(RecordSeparator);
            if (last < 0)
            {
                continue;
            }
            foreach (var message in text[..last].Split(RecordSeparator))
            {
                _messages.Enqueue(message);
            }
            _buffer.Clear().Append(text[(last + 1)..]);
        }
        return _messages.Dequeue();
    }

    public Task<JsonElement> NextInvocationAsync(CancellationToken ct) => NextOfTypeAsync(1, ct);

    public async Task<JsonElement> NextOfTypeAsync(int type, CancellationToken ct)
    {
        while (true)
        {
            var message = JsonDocument.Parse(await NextAsync(ct)).RootElement;
            var actual = message.GetProperty("type").GetInt32();
            if (actual == type)
            {
                return message;
            }
            if (actual != 6)
            {
                throw new InvalidOperationException($"Expected a message of type {type}, got {message}");
            }
        }
    }
}

/// <summary>Reads Server-Sent Events: (id, event, data) per blank-line-terminated block; comments skipped.
/// Returns null when the stream ends.</summary>
internal sealed class SseReader(Stream stream)
{
    private readonly StreamReader _reader = new(stream);

    public async Task<(string? Id, string Event, string Data)?> NextEventAsync(CancellationToken ct)
    {
        string? id = null, name = null;
        var data = new StringBuilder();
        while (await _reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0 || name is not null)
                {
                    return (id, name ?? "message", data.ToString());
                }
                continue;
            }
            if (line.StartsWith(':'))
            {
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Append(value); break;
            }
        }
        return null;
    }
}
