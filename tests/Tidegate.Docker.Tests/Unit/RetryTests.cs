using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Tidegate.TestKit;

namespace Tidegate.Docker.Tests.Unit;

/// <summary>Retries observed against a hand-written engine on a unix socket that goes away and comes back.</summary>
public sealed class RetryTests : IAsyncDisposable
{
    private static readonly TimeSpan ServerGap = TimeSpan.FromSeconds(1);

    private readonly string _socketPath = Path.Combine(Path.GetTempPath(), $"tidegate-retry-{Guid.NewGuid():N}.sock");
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
    private Socket? _listener;
    private readonly Stopwatch _gap = new();
    private Task? _serving;
    private volatile bool _dropAfterRequest;
    private int _dropped;

    [Fact]
    public async Task ContainerList_WhenEngineSocketReappearsDuringRetries_Succeeds()
    {
        using var client = NewClient();
        StartServer();
        await client.NegotiateApiVersionAsync(_stop.Token);
        await StopServerAsync();

        var listing = client.ContainerListAsync(cancellationToken: _stop.Token);
        // The engine comes back (as after a daemon restart) while the read is between retries.
        await Wait.UntilAsync(_ => Task.FromResult(listing.IsCompleted || WaitedLongEnough()), "the gap before the engine returns", cancellationToken: _stop.Token);
        StartServer();

        Assert.Empty(await listing);
    }

    [Fact]
    public async Task ContainerStart_WhenEngineSocketIsGone_FailsWithoutRetrying()
    {
        using var client = NewClient();
        StartServer();
        await client.NegotiateApiVersionAsync(_stop.Token);
        await StopServerAsync();

        var starting = client.ContainerStartAsync("abc", _stop.Token);
        await Wait.UntilAsync(_ => Task.FromResult(starting.IsCompleted || WaitedLongEnough()), "the gap before the engine returns", cancellationToken: _stop.Token);
        StartServer();

        await Assert.ThrowsAsync<DockerUnreachableException>(() => starting);
    }

    [Fact]
    public async Task ContainerStart_WhenConnectionDropsAfterTheRequest_ReportsTheOutcomeAsUnknown()
    {
        using var client = NewClient();
        _dropAfterRequest = true;
        StartServer();
        await client.NegotiateApiVersionAsync(_stop.Token);

        var ex = await Assert.ThrowsAsync<DockerConnectionLostException>(() => client.ContainerStartAsync("abc", _stop.Token));

        Assert.Contains("outcome unknown", ex.Message, StringComparison.Ordinal);
        Assert.True(Volatile.Read(ref _dropped) >= 1, "the request reached the engine before the connection dropped");
    }

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        _stop.Dispose();
    }

    private DockerClient NewClient() =>
        new(DockerEndpoint.Parse("unix://" + _socketPath), new DockerClientOptions { ReadRetries = 4, RetryDelay = TimeSpan.FromMilliseconds(200) });

    private bool WaitedLongEnough() => _gap.Elapsed >= ServerGap;

    private void StartServer()
    {
        File.Delete(_socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(_socketPath));
        _listener.Listen();
        var listener = _listener;
        _serving = Task.Run(async () =>
        {
            while (true)
            {
                Socket connection;
                try
                {
                    connection = await listener.AcceptAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    return;
                }

                using (connection)
                {
                    await AnswerAsync(connection);
                }
            }
        });
    }

    private async Task StopServerAsync()
    {
        _listener?.Dispose();
        if (_serving is not null)
        {
            await _serving;
        }

        File.Delete(_socketPath);
        _gap.Restart();
    }

    private async Task AnswerAsync(Socket connection)
    {
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await connection.ReceiveAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        if (_dropAfterRequest && !request.ToString().StartsWith("GET /version ", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        var body = request.ToString().StartsWith("GET /version ", StringComparison.Ordinal)
            ? """{"ApiVersion":"1.41","Version":"fake"}"""
            : "[]";
        var response = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        await connection.SendAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
    }
}
