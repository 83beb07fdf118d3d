using System.Net;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests;

/// <summary>The server serving a built web UI from WebRoot (Hosting/WebUi.cs): assets, the SPA fallback for
/// client-side routes, and /api and /hubs keeping their ProblemDetails answers.</summary>
public sealed class WebUiHostingTests : IAsyncLifetime
{
    private readonly string _webRoot = Path.Combine(Path.GetTempPath(), "tidegate-tests", "webroot-" + Guid.NewGuid().ToString("N"));
    private RealServer _server = null!;
    private Seed _seed = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_webRoot, "assets"));
        await File.WriteAllTextAsync(Path.Combine(_webRoot, "index.html"), "<!doctype html><div id=\"root\"></div>");
        await File.WriteAllTextAsync(Path.Combine(_webRoot, "assets", "index-abc123.js"), "console.log(1)");
        _server = await RealServer.StartAsync("--WebRoot", _webRoot);
        _seed = await Seed.CreateAsync(_server.Store);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_webRoot, recursive: true);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/deployments/abc/rollback")]
    [InlineData("/catalog?stackId=demo:x:y")]
    public async Task ClientRoutes_GetTheAppWithoutLogin_WithCspAndNoCache(string path)
    {
        using var client = _server.Client();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"root\">", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    [Fact]
    public async Task HashedAssets_AreCachedForAYear_AndMissingFilesAreNeverTheApp()
    {
        using var client = _server.Client();
        using var viewer = _server.Client(_seed.ViewerToken);

        using var asset = await client.GetAsync("/assets/index-abc123.js");
        using var missingAnonymous = await client.GetAsync("/assets/index-missing.js");
        using var missing = await viewer.GetAsync("/assets/index-missing.js");

        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", asset.Headers.CacheControl?.ToString());
        // A path with a file extension is not a client route: like any unknown path it needs a login, then is 404.
        Assert.Equal(HttpStatusCode.Unauthorized, missingAnonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/no-such-thing")]
    [InlineData("/api")]
    [InlineData("/hubs/no-such-hub")]
    public async Task ApiAndHubPaths_KeepTheirProblemDetails(string path)
    {
        using var anonymous = _server.Client();
        using var viewer = _server.Client(_seed.ViewerToken);

        using var unauthenticated = await anonymous.GetAsync(path);
        using var unknown = await viewer.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal("application/problem+json", unauthenticated.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OnlyGetsFallBack_ToTheApp()
    {
        using var client = _server.Client(_seed.ViewerToken);

        using var response = await client.PostAsync("/deployments/abc", new StringContent(""));

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
