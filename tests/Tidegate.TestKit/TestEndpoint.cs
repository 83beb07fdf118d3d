using System.Globalization;
using System.Net;
using System.Text;

namespace Tidegate.TestKit;

/// <summary>An HTTP endpoint on 127.0.0.1 (and localhost, same port) that answers every request with what <c>answer</c> returns,
/// counting requests and bytes sent; <c>chunked</c> sends the body without a Content-Length.</summary>
public sealed class TestEndpoint : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<HttpListenerContext, (int Status, string Body)> _answer;
    private readonly bool _chunked;
    private readonly Task _serving;
    private int _requests;
    private int _completed;
    private long _bytesSent;

    private TestEndpoint(HttpListener listener, int port, Func<HttpListenerContext, (int, string)> answer, bool chunked)
    {
        (_listener, Port, _answer, _chunked) = (listener, port, answer, chunked);
        _serving = ServeAsync();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/status/";

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Answers that ended (fully written or the client went away).</summary>
    public int Completed => Volatile.Read(ref _completed);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public static TestEndpoint Start(Func<HttpListenerContext, (int, string)> answer, bool chunked = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort.Next();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            listener.Prefixes.Add($"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}/");
            try
            {
                listener.Start();
                return new TestEndpoint(listener, port, answer, chunked);
            }
            catch (HttpListenerException) when (attempt < 3)
            {
                listener.Close();
            }
        }
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task ServeAsync()
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

            Interlocked.Increment(ref _requests);
            _ = AnswerAsync(context);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            var (status, body) = _answer(context);
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            if (_chunked)
            {
                context.Response.SendChunked = true;
            }
            else
            {
                context.Response.ContentLength64 = bytes.Length;
            }

            for (var offset = 0; offset < bytes.Length; offset += 64 * 1024)
            {
                var count = Math.Min(64 * 1024, bytes.Length - offset);
                await context.Response.OutputStream.WriteAsync(bytes.AsMemory(offset, count));
                Interlocked.Add(ref _bytesSent, count);
            }

            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away: what a capped reader does.
            context.Response.Abort();
        }
        finally
        {
            Interlocked.Increment(ref _completed);
        }
    }
}
