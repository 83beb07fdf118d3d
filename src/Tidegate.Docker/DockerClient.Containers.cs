using System.Runtime.CompilerServices;
using Tidegate.Docker.Containers;
using Tidegate.Docker.Transport;

namespace Tidegate.Docker;

public sealed partial class DockerClient
{
    /// <summary>GET /containers/json.</summary>
    public Task<IReadOnlyList<ContainerSummary>> ContainerListAsync(ContainerListParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        parameters ??= new ContainerListParameters();
        var query = new QueryBuilder()
            .Add("all", parameters.All ? true : null)
            .Add("filters", MergeLabelFilters(parameters.Filters, parameters.LabelFilters));
        return GetJsonAsync<IReadOnlyList<ContainerSummary>>("/containers/json" + query, cancellationToken);
    }

    /// <summary>POST /containers/create; <see cref="ContainerCreateRequest.Platform"/> goes into the query.</summary>
    public Task<ContainerCreateResponse> ContainerCreateAsync(ContainerCreateRequest request, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new QueryBuilder().Add("name", name).Add("platform", string.IsNullOrEmpty(request.Platform) ? null : request.Platform);
        return PostJsonAsync<ContainerCreateResponse>("/containers/create" + query, request, cancellationToken);
    }

    /// <summary>POST /containers/{id}/start. Starting a running container is not an error (304).</summary>
    public Task ContainerStartAsync(string id, CancellationToken cancellationToken = default) =>
        SendTolerating304Async(HttpMethod.Post, $"/containers/{Escape(id)}/start", cancellationToken);

    /// <summary>POST /containers/{id}/stop; <paramref name="timeout"/> before SIGKILL (null: the container's StopTimeout).</summary>
    public Task ContainerStopAsync(string id, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        SendTolerating304Async(HttpMethod.Post, $"/containers/{Escape(id)}/stop" + new QueryBuilder().Add("t", Seconds(timeout)), cancellationToken);

    /// <summary>POST /containers/{id}/restart.</summary>
    public Task ContainerRestartAsync(string id, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        SendNoResultAsync(HttpMethod.Post, $"/containers/{Escape(id)}/restart" + new QueryBuilder().Add("t", Seconds(timeout)), body: null, cancellationToken);

    /// <summary>POST /containers/{id}/kill with a signal name or number (default SIGKILL).</summary>
    public Task ContainerKillAsync(string id, string? signal = null, CancellationToken cancellationToken = default) =>
        SendNoResultAsync(HttpMethod.Post, $"/containers/{Escape(id)}/kill" + new QueryBuilder().Add("signal", signal), body: null, cancellationToken);

    /// <summary>DELETE /containers/{id}.</summary>
    public Task ContainerRemoveAsync(string id, bool force = false, bool removeVolumes = false, CancellationToken cancellationToken = default) =>
        SendNoResultAsync(HttpMethod.Delete, $"/containers/{Escape(id)}" + new QueryBuilder().Add("force", force ? true : null).Add("v", removeVolumes ? true : null), body: null, cancellationToken);

    /// <summary>GET /containers/{id}/json.</summary>
    public Task<ContainerInspectResponse> ContainerInspectAsync(string id, CancellationToken cancellationToken = default) =>
        GetJsonAsync<ContainerInspectResponse>($"/containers/{Escape(id)}/json", cancellationToken);

    /// <summary>POST /containers/{id}/wait; blocks until the condition ("not-running", "next-exit", "removed") holds.</summary>
    public Task<ContainerWaitResponse> ContainerWaitAsync(string id, string? condition = null, CancellationToken cancellationToken = default) =>
        PostJsonAsync<ContainerWaitResponse>($"/containers/{Escape(id)}/wait" + new QueryBuilder().Add("condition", condition), body: null, cancellationToken);

    /// <summary>POST /containers/{id}/rename.</summary>
    public Task ContainerRenameAsync(string id, string newName, CancellationToken cancellationToken = default) =>
        SendNoResultAsync(HttpMethod.Post, $"/containers/{Escape(id)}/rename" + new QueryBuilder().Add("name", newName), body: null, cancellationToken);

    /// <summary>GET /containers/{id}/stats?stream=false.</summary>
    public Task<ContainerStatsResponse> ContainerStatsAsync(string id, CancellationToken cancellationToken = default) =>
        GetJsonAsync<ContainerStatsResponse>($"/containers/{Escape(id)}/stats?stream=false", cancellationToken);

    /// <summary>
    /// GET /containers/{id}/logs as lines split into stdout and stderr. TTY containers have one raw stream,
    /// reported as stdout. With Follow the stream ends when the container stops or on cancellation.
    /// </summary>
    public async IAsyncEnumerable<LogLine> ContainerLogsAsync(string id, ContainerLogsParameters? parameters = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        parameters ??= new ContainerLogsParameters();
        var inspect = await ContainerInspectAsync(id, cancellationToken);
        var query = new QueryBuilder()
            .Add("follow", parameters.Follow)
            .Add("stdout", parameters.Stdout)
            .Add("stderr", parameters.Stderr)
            .Add("since", parameters.Since is { } since ? UnixTime(since) : null)
            .Add("until", parameters.Until is { } until ? UnixTime(until) : null)
            .Add("timestamps", parameters.Timestamps)
            .Add("tail", parameters.Tail?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all");
        var multiplexed = inspect.Config?.Tty != true;
        await foreach (var line in StreamLinesAsync(HttpMethod.Get, $"/containers/{Escape(id)}/logs" + query, body: null, multiplexed, cancellationToken))
        {
            yield return line;
        }
    }

    private async Task SendTolerating304Async(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        // 304 "already started/stopped" is the state the caller asked for, and not a success code to HttpClient.
        try
        {
            await SendNoResultAsync(method, path, body: null, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotModified)
        {
        }
    }

    private static long? Seconds(TimeSpan? timeout) => timeout is { } t ? (long)Math.Ceiling(t.TotalSeconds) : null;

    internal static IReadOnlyDictionary<string, IReadOnlyList<string>>? MergeLabelFilters(
        IReadOnlyDictionary<string, IReadOnlyList<string>>? filters, IReadOnlyList<string>? labels)
    {
        if (labels is null || labels.Count == 0)
        {
            return filters;
        }

        var merged = filters is null ? [] : new Dictionary<string, IReadOnlyList<string>>(filters);
        merged["label"] = merged.TryGetValue("label", out var existing) ? [.. existing, .. labels] : labels;
        return merged;
    }
}
