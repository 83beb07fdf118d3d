using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Tidegate.TestKit;

namespace Tidegate.Docker.Tests.Unit;

/// <summary>A hand-written HTTP stand-in for the engine on a loopback port, answering from a route table.</summary>
internal sealed class FakeEngine : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<string, string, (int Status, string Body)> _respond;
    private readonly Task _loop;

    public FakeEngine(Func<string, string, (int Status, string Body)> respond, string apiVersion = "1.41")
    {
        _respond = (method, path) => method == "GET" && path == "/version"
            ? (200, $$"""{"Version":"fake","ApiVersion":"{{apiVersion}}","MinAPIVersion":"1.12"}""")
            : respond(method, path);
        (_listener, Port) = Bind();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    /// <summary>A free port can be taken by another test process between the probe and the bind; try a
    /// few fresh ones before giving up.</summary>
    private static (HttpListener Listener, int Port) Bind()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    public ConcurrentQueue<string> Requests { get; } = new();

    public DockerClient CreateClient() => new(DockerEndpoint.Parse($"tcp://127.0.0.1:{Port}"));

    public async ValueTask DisposeAsync()
    {
        // Close only: after Stop(), Close() looks the endpoint up again and binds the port anew to remove it (managed
        // HttpListener on Unix), which fails when another test process took the freed port meanwhile.
        try
        {
            _listener.Close();
        }
        catch (HttpListenerException)
        {
        }

        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath;
            Requests.Enqueue($"{context.Request.HttpMethod} {context.Request.Url.PathAndQuery}");
            var (status, body) = _respond(context.Request.HttpMethod, path);
            context.Response.StatusCode = status;
            context.Response.ContentType = body.StartsWith('{') || body.StartsWith('[') ? "application/json" : "text/plain";
            var bytes = Encoding.UTF8.GetBytes(body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
