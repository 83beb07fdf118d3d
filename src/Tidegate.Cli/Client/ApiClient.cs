using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Tidegate.Cli.Client;

/// <summary>The one HTTP client of the CLI: JSON in and out, ProblemDetails turned into a
/// <see cref="CliException"/> with the documented exit code, unreachable servers into exit code 6.</summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ApiClient(string server, string? token)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"'{server}' is not an http(s) URL.");
        }
        _http = new HttpClient { BaseAddress = uri, Timeout = Timeout.InfiniteTimeSpan };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public static ApiClient ForCurrentContext(CliIO io)
    {
        var context = CliConfig.Resolve(io);
        return new ApiClient(context.Server, context.Token);
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Opens a streaming GET (SSE); the caller disposes the response.</summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(string path, string? lastEventId, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        return await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, ct);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException or IOException || ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new CliException(ExitCodes.Unreachable, $"Cannot reach {_http.BaseAddress}: {ex.Message}");
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            throw await ToExceptionAsync(response, ct);
        }
    }

    private static async Task<CliException> ToExceptionAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var code = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ExitCodes.NotAuthenticated,
            HttpStatusCode.NotFound => ExitCodes.NotFound,
            HttpStatusCode.Conflict => ExitCodes.Conflict,
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => ExitCodes.Usage,
            _ => ExitCodes.OperationFailed,
        };
        var message = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        var details = new List<string>();
        try
        {
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
            var title = problem.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
            // The detail is written for a human; the generic validation detail adds nothing to the title.
            message = !string.IsNullOrEmpty(detail) && detail != "One or more fields are not valid." ? detail : title ?? message;
            if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errors.EnumerateObject())
                {
                    details.AddRange(field.Value.EnumerateArray().Select(e => $"{field.Name}: {e.GetString()}"));
                }
            }
            if (problem.TryGetProperty("allowedModes", out var allowed))
            {
                details.Add("allowed: " + string.Join(", ", allowed.EnumerateArray().Select(a => a.GetString())));
            }
        }
        catch (JsonException)
        {
            // not a ProblemDetails body: the status line is the message
        }
        return new CliException(code, message, details);
    }

    public void Dispose() => _http.Dispose();
}
