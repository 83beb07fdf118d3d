using System.Net.Sockets;

namespace Tidegate.TestKit;

/// <summary>A unix socket that forwards every connection to another unix socket (the real Docker engine's), so a test can
/// give an environment an endpoint whose engine is away until <see cref="Start"/> and back afterwards.</summary>
public sealed class UnixSocketForwarder(string path, string target = "/var/run/docker.sock") : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;

    public string Path { get; } = path;

    public string Endpoint => "unix://" + Path;

    /// <summary>Starts listening at <see cref="Path"/>: from now on the engine "answers" there.</summary>
    public void Start()
    {
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(64);
        _accepting = AcceptAsync(_listener, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener?.Dispose();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
        File.Delete(Path);
    }

    private async Task AcceptAsync(Socket listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var client = await listener.AcceptAsync(ct);
            _ = Task.Run(() => PipeAsync(client, ct), CancellationToken.None);
        }
    }

    private async Task PipeAsync(Socket client, CancellationToken ct)
    {
        using (client)
        using (var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                await upstream.ConnectAsync(new UnixDomainSocketEndPoint(target), ct);
                await using var a = new NetworkStream(client, ownsSocket: false);
                await using var b = new NetworkStream(upstream, ownsSocket: false);
                // Either side closing ends both directions.
                await Task.WhenAny(a.CopyToAsync(b, ct), b.CopyToAsync(a, ct));
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException)
            {
            }
        }
    }
}
