using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Tidegate.Docker.Images;
using Tidegate.Docker.Transport;

namespace Tidegate.Docker;

public sealed partial class DockerClient
{
    /// <summary>
    /// POST /images/create?fromImage=...&amp;tag=... Yields progress; an error reported inside the stream (the
    /// daemon answers 200 before it knows) is thrown as <see cref="DockerApiException"/> naming the image.
    /// </summary>
    public IAsyncEnumerable<ProgressEvent> ImagePullAsync(string image, string? tag = null, RegistryAuth? auth = null, CancellationToken cancellationToken = default) =>
        ImagePullAsync(image, tag, auth, platform: null, cancellationToken);

    /// <summary>POST /images/create?fromImage=...&amp;tag=...&amp;platform=os[/arch[/variant]]: the image of that platform
    /// (null or empty: the engine's own platform).</summary>
    public async IAsyncEnumerable<ProgressEvent> ImagePullAsync(string image, string? tag, RegistryAuth? auth, string? platform, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(image);
        // A name-only reference makes the engine pull every tag of the repository; the CLI means "latest".
        tag ??= HasTagOrDigest(image) ? null : "latest";
        var query = new QueryBuilder().Add("fromImage", image).Add("tag", tag).Add("platform", string.IsNullOrEmpty(platform) ? null : platform);
        var what = $"Pull of {image}{(tag is null ? string.Empty : ":" + tag)}{(string.IsNullOrEmpty(platform) ? string.Empty : " for " + platform)}";
        await foreach (var message in ProgressStreamAsync(HttpMethod.Post, "/images/create" + query, null, AuthHeader(auth), what, cancellationToken))
        {
            yield return message;
        }
    }

    /// <summary>POST /images/{name}/push. <paramref name="name"/> includes the registry (host:port/repo).
    /// Without a tag, "latest" is pushed unless <paramref name="allTags"/> asks for every local tag.</summary>
    public async IAsyncEnumerable<ProgressEvent> ImagePushAsync(string name, string? tag = null, RegistryAuth? auth = null, bool allTags = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        // As with pull: the engine reads a missing tag as "every tag", which would publish tags nobody meant to.
        tag ??= allTags || HasTagOrDigest(name) ? null : "latest";
        var query = new QueryBuilder().Add("tag", tag);
        var what = $"Push of {name}{(tag is null ? string.Empty : ":" + tag)}";
        // The daemon insists on the header for push, even for registries without auth.
        var headers = AuthHeader(auth ?? new RegistryAuth(null, null, null));
        await foreach (var message in ProgressStreamAsync(HttpMethod.Post, $"/images/{name}/push" + query, null, headers, what, cancellationToken))
        {
            yield return message;
        }
    }

    /// <summary>GET /images/{name}/json.</summary>
    public Task<ImageInspectResponse> ImageInspectAsync(string name, CancellationToken cancellationToken = default) =>
        GetJsonAsync<ImageInspectResponse>($"/images/{name}/json", cancellationToken);

    /// <summary>GET /images/json.</summary>
    public Task<IReadOnlyList<ImageSummary>> ImageListAsync(ImageListParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        parameters ??= new ImageListParameters();
        var query = new QueryBuilder()
            .Add("all", parameters.All ? true : null)
            .Add("filters", MergeLabelFilters(parameters.Filters, parameters.LabelFilters));
        return GetJsonAsync<IReadOnlyList<ImageSummary>>("/images/json" + query, cancellationToken);
    }

    /// <summary>POST /images/{name}/tag.</summary>
    public Task ImageTagAsync(string name, string repository, string? tag = null, CancellationToken cancellationToken = default) =>
        SendNoResultAsync(HttpMethod.Post, $"/images/{name}/tag" + new QueryBuilder().Add("repo", repository).Add("tag", tag), body: null, cancellationToken);

    /// <summary>DELETE /images/{name}.</summary>
    public Task<IReadOnlyList<ImageDeleteResponseItem>> ImageRemoveAsync(string name, bool force = false, bool noPrune = false, CancellationToken cancellationToken = default) =>
        SendJsonAsync<IReadOnlyList<ImageDeleteResponseItem>>(
            HttpMethod.Delete,
            $"/images/{name}" + new QueryBuilder().Add("force", force ? true : null).Add("noprune", noPrune ? true : null),
            content: null,
            versioned: true,
            cancellationToken);

    /// <summary>POST /images/load from a tar stream (docker save format). The stream is sent as it is read.</summary>
    public async IAsyncEnumerable<ProgressEvent> ImageLoadAsync(Stream tarArchive, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var message in ProgressStreamAsync(HttpMethod.Post, "/images/load?quiet=false", TarContent(tarArchive), null, "Image load", cancellationToken))
        {
            yield return message;
        }
    }

    /// <summary>POST /build from a tar build context. Build output arrives as <see cref="ProgressEvent.Stream"/>.</summary>
    public async IAsyncEnumerable<ProgressEvent> ImageBuildAsync(Stream tarContext, ImageBuildParameters? parameters = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        parameters ??= new ImageBuildParameters();
        var query = new QueryBuilder()
            .Add("dockerfile", parameters.Dockerfile)
            .AddJson("buildargs", parameters.BuildArgs)
            .AddJson("labels", parameters.Labels)
            .Add("nocache", parameters.NoCache ? true : null)
            .Add("forcerm", parameters.ForceRemove);
        foreach (var tag in parameters.Tags ?? [])
        {
            query.Add("t", tag);
        }

        var what = parameters.Tags is { Count: > 0 } tags ? $"Build of {string.Join(", ", tags)}" : "Build";
        await foreach (var message in ProgressStreamAsync(HttpMethod.Post, "/build" + query, TarContent(tarContext), null, what, cancellationToken))
        {
            yield return message;
        }
    }

    private async IAsyncEnumerable<ProgressEvent> ProgressStreamAsync(
        HttpMethod method,
        string path,
        HttpContent? content,
        IReadOnlyDictionary<string, string>? headers,
        string what,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var message in StreamJsonAsync<ProgressEvent>(method, path, content, headers, cancellationToken))
        {
            if (message.Error is not null || message.ErrorDetail?.Message is not null)
            {
                throw StreamError(what, message.ErrorDetail?.Message ?? message.Error!);
            }

            yield return message;
        }
    }

    internal static bool HasTagOrDigest(string image)
    {
        var lastComponent = image[(image.LastIndexOf('/') + 1)..];
        return image.Contains('@', StringComparison.Ordinal) || lastComponent.Contains(':', StringComparison.Ordinal);
    }

    private static Dictionary<string, string>? AuthHeader(RegistryAuth? auth) =>
        auth is null ? null : new Dictionary<string, string> { ["X-Registry-Auth"] = auth.ToHeaderValue() };

    private static StreamContent TarContent(Stream tar)
    {
        var content = new StreamContent(tar);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        return content;
    }
}
