using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Tidegate.Docker.Daemon;
using Tidegate.Docker.Transport;

namespace Tidegate.Docker;

/// <summary>
/// Client for the Docker Engine API (v1.41 and later). One method per endpoint, named after it; the
/// endpoint methods live in the area files (DockerClient.Containers.cs, ...). Thread-safe; dispose once.
/// </summary>
public sealed partial class DockerClient : IDisposable
{
    public static readonly Version MinimumApiVersion = new(1, 41);
    public static readonly Version MaximumApiVersion = new(1, 47);

    private readonly HttpClient _http;
    private readonly DockerClientOptions _options;
    private readonly SemaphoreSlim _negotiation = new(1, 1);
    private volatile string? _versionPrefix;

    /// <param name="endpoint">The engine; null means DOCKER_HOST (and its TLS variables) or the default unix socket.</param>
    public DockerClient(DockerEndpoint? endpoint = null, DockerClientOptions? options = null)
    {
        Endpoint = endpoint ?? DockerEndpoint.FromEnvironment();
        _options = options ?? new DockerClientOptions();
        var (handler, baseAddress) = DockerHttpHandlerFactory.Create(Endpoint);
        // Streams and waits run as long as their caller wants; callers bound them with cancellation tokens.
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    public DockerEndpoint Endpoint { get; }

    /// <summary>The negotiated API version ("1.41"), or null before the first request.</summary>
    public string? ApiVersion => _versionPrefix?.TrimStart('/', 'v');

    /// <summary>Asks the engine for its version once and picks min(engine, client maximum).</summary>
    /// <exception cref="DockerVersionException">The engine is older than API 1.41.</exception>
    public async Task<string> NegotiateApiVersionAsync(CancellationToken cancellationToken = default)
    {
        if (_versionPrefix is { } known)
        {
            return known[2..];
        }

        await _negotiation.WaitAsync(cancellationToken);
        try
        {
            if (_versionPrefix is null)
            {
                var version = await SendJsonAsync<SystemVersion>(HttpMethod.Get, "/version", content: null, versioned: false, cancellationToken);
                var chosen = ChooseApiVersion(version.ApiVersion, _options.MaximumApiVersion);
                _versionPrefix = "/v" + chosen.ToString(2);
            }

            return _versionPrefix[2..];
        }
        finally
        {
            _negotiation.Release();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _negotiation.Dispose();
    }

    internal static Version ChooseApiVersion(string? serverApiVersion, Version clientMaximum)
    {
        if (!Version.TryParse(serverApiVersion, out var server))
        {
            throw new DockerVersionException($"The Docker engine reported an unreadable API version '{serverApiVersion}'.");
        }

        if (server < MinimumApiVersion)
        {
            throw new DockerVersionException($"The Docker engine speaks API {server.ToString(2)}; Tidegate needs {MinimumApiVersion.ToString(2)} or later (Docker 20.10+).");
        }

        return server < clientMaximum ? server : clientMaximum;
    }

    internal async Task<T> SendJsonAsync<T>(HttpMethod method, string path, HttpContent? content, bool versioned, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, content, headers: null, versioned, streaming: false, cancellationToken);
        return await ReadJsonAsync<T>(response, method, path, cancellationToken);
    }

    internal Task<T> GetJsonAsync<T>(string path, CancellationToken cancellationToken) =>
        SendJsonAsync<T>(HttpMethod.Get, path, content: null, versioned: true, cancellationToken);

    internal Task<T> PostJsonAsync<T>(string path, object? body, CancellationToken cancellationToken) =>
        SendJsonAsync<T>(HttpMethod.Post, path, JsonBody(body), versioned: true, cancellationToken);

    internal async Task SendNoResultAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, JsonBody(body), headers: null, versioned: true, streaming: false, cancellationToken);
    }

    /// <summary>Streams newline-delimited JSON; the connection is released when enumeration ends or is cancelled.</summary>
    internal async IAsyncEnumerable<T> StreamJsonAsync<T>(HttpMethod method, string path, HttpContent? content, IReadOnlyDictionary<string, string>? headers, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, content, headers, versioned: true, streaming: true, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in JsonLineReader.ReadAsync<T>(stream, cancellationToken))
        {
            yield return item;
        }
    }

    /// <summary>Streams Docker's stdout/stderr framing (or a raw TTY stream) as lines.</summary>
    internal async IAsyncEnumerable<LogLine> StreamLinesAsync(HttpMethod method, string path, object? body, bool multiplexed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, JsonBody(body), headers: null, versioned: true, streaming: true, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var line in MultiplexedStreamReader.ReadLinesAsync(stream, multiplexed, cancellationToken))
        {
            yield return line;
        }
    }

    internal async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        string path,
        HttpContent? content,
        IReadOnlyDictionary<string, string>? headers,
        bool versioned,
        bool streaming,
        CancellationToken cancellationToken)
    {
        var prefix = versioned ? "/v" + await NegotiateApiVersionAsync(cancellationToken) : string.Empty;
        var completion = streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead;
        HttpResponseMessage response;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, prefix + path) { Content = content };
            if (headers is not null)
            {
                foreach (var (name, value) in headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
            }

            try
            {
                response = await _http.SendAsync(request, completion, cancellationToken);
                break;
            }
            catch (HttpRequestException ex) when (attempt < _options.ReadRetries && TransientConnectionFailure.IsRetryable(method, ex))
            {
                await Task.Delay(_options.RetryDelay * Math.Pow(2, attempt), cancellationToken);
            }
            catch (HttpRequestException ex) when (TransientConnectionFailure.IsUnreachable(method, ex))
            {
                throw Unreachable(ex);
            }
            catch (HttpRequestException ex) when (TransientConnectionFailure.IsConnectionLost(ex))
            {
                throw new DockerConnectionLostException(Endpoint.ToString(),
                    $"Docker engine at {Endpoint}: connection lost during {method} {WithoutQuery(path)}, outcome unknown: {ex.Message}", ex);
            }
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ToApiExceptionAsync(response, method, path, cancellationToken);
        }
    }

    internal static HttpContent? JsonBody(object? body) => body switch
    {
        null => null,
        HttpContent content => content,
        _ => JsonContent.Create(body, body.GetType(), new MediaTypeHeaderValue("application/json"), DockerJson.Options),
    };

    internal static string Escape(string value) => Uri.EscapeDataString(value);

    internal static string UnixTime(DateTimeOffset time) =>
        (time.ToUnixTimeMilliseconds() / 1000d).ToString("0.###", CultureInfo.InvariantCulture);

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        var value = await response.Content.ReadFromJsonAsync<T>(DockerJson.Options, cancellationToken);
        return value ?? throw new DockerApiException(response.StatusCode, $"Docker API {method} {WithoutQuery(path)} returned an empty body.");
    }

    private static async Task<DockerApiException> ToApiExceptionAsync(HttpResponseMessage response, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var message = DaemonMessage(body);
        return new DockerApiException(response.StatusCode, $"Docker API {method} {WithoutQuery(path)} failed with {(int)response.StatusCode} ({response.StatusCode}): {message}")
        {
            DaemonMessage = message,
        };
    }

    // Queries can carry secrets (/build?buildargs=...), and exception messages end up in logs.
    private static string WithoutQuery(string path)
    {
        var query = path.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? path : path[..query];
    }

    /// <summary>The daemon's errors are {"message": "..."}; proxies in between may answer with plain text.</summary>
    internal static string DaemonMessage(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "(no message)";
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String)
            {
                return message.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        return body.Trim();
    }

    private DockerUnreachableException Unreachable(Exception ex)
    {
        // For unix sockets the handler names its placeholder host ("docker:80"); say what is wrong with the socket.
        var cause = Endpoint.Kind == DockerEndpointKind.Unix && ex.InnerException is SocketException socket
            ? (File.Exists(Endpoint.SocketPath) ? $"{socket.Message} ({Endpoint.SocketPath})" : $"the socket {Endpoint.SocketPath} does not exist")
            : ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message;
        return new DockerUnreachableException(Endpoint.ToString(), $"Docker engine at {Endpoint} is unreachable: {cause}", ex);
    }

    internal static DockerApiException StreamError(string what, string message) =>
        new(HttpStatusCode.OK, $"{what} failed: {message}") { DaemonMessage = message };
}
