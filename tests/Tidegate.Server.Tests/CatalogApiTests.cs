using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Catalog;
using Tidegate.Core.Store;

namespace Tidegate.Server.Tests;

public sealed class CatalogApiTests : IAsyncLifetime
{
    private readonly TidegateFactory _factory = new();
    private readonly string _extraSource = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
    private Seed _seed = null!;

    public static string DemoCatalog
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "demo", "catalog");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
            throw new DirectoryNotFoundException("demo/catalog not found above the test directory.");
        }
    }

    public async Task InitializeAsync()
    {
        _seed = await Seed.CreateAsync(_factory.WithDemoCatalog());
        await FirstSyncAsync(_factory.Services.GetRequiredService<StackCatalog>());
    }

    /// <summary>The first sync runs in the background after start; wait for it instead of racing it.</summary>
    private static async Task FirstSyncAsync(StackCatalog catalog)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (catalog.ListSources().All(s => s.LastSyncAttemptAt is not null))
            {
                done.TrySetResult();
            }
        }
        catalog.SourceSynced += (_, _) => Check();
        Check();
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public Task DisposeAsync()
    {
        _factory.Dispose();
        if (Directory.Exists(_extraSource))
        {
            Directory.Delete(_extraSource, recursive: true);
        }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task DemoCatalog_IsRegisteredFromConfiguration_WithStacksVersionsAndVariables()
    {
        using var client = _factory.WithToken(_seed.ViewerToken);

        var sources = await (await client.GetAsync("/api/catalog/sources")).JsonAsync();
        var stacks = await (await client.GetAsync("/api/catalog/stacks")).JsonAsync();
        var versions = await (await client.GetAsync("/api/catalog/stacks/demo:demo-web:web/versions")).JsonAsync();
        var v2 = await (await client.GetAsync("/api/catalog/stacks/demo:demo-web:web/versions/2.0.0")).JsonAsync();
        using var missing = await client.GetAsync("/api/catalog/stacks/demo:demo-web:web/versions/9.9.9");

        var demo = Assert.Single(sources.GetProperty("items").EnumerateArray());
        Assert.Equal("demo", demo.GetProperty("id").GetString());
        Assert.True(demo.GetProperty("configured").GetBoolean());
        Assert.Contains(stacks.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetString() == "demo:demo-web:web");
        Assert.Equal(new[] { "2.0.0", "1.1.0", "1.0.0" }, versions.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("version").GetString()!).ToArray());
        Assert.Contains(v2.GetProperty("variables").EnumerateArray(), v => v.GetProperty("name").GetString() == "GREETING" && v.GetProperty("required").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task ConfiguredSource_CannotBeRemovedThroughTheApi()
    {
        using var admin = _factory.WithToken(_seed.AdminToken);

        using var response = await admin.DeleteAsync("/api/catalog/sources/demo");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task AddedSource_IsStoredSyncedServedAndRemovable()
    {
        CopyDirectory(Path.Combine(DemoCatalog, "demo-web"), Path.Combine(_extraSource, "demo-web"));
        using var admin = _factory.WithToken(_seed.AdminToken);
        using var op = _factory.WithToken(_seed.OperatorToken);

        using var added = await admin.PostAsJsonAsync("/api/catalog/sources", new { id = "extra", kind = "directory", path = _extraSource });
        using var duplicate = await admin.PostAsJsonAsync("/api/catalog/sources", new { id = "extra", kind = "directory", path = _extraSource });
        using var invalid = await admin.PostAsJsonAsync("/api/catalog/sources", new { id = "Bad Id", kind = "ftp" });
        var sync = await (await op.PostAsync("/api/catalog/sources/extra/sync", null)).JsonAsync();
        var stored = await _factory.Store.CatalogSources.GetAsync("extra", default);
        var stacks = await (await op.GetAsync("/api/catalog/stacks?productKey=extra:demo-web")).JsonAsync();
        using var removed = await admin.DeleteAsync("/api/catalog/sources/extra");
        var after = await (await op.GetAsync("/api/catalog/stacks?productKey=extra:demo-web")).JsonAsync();

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.True(sync.GetProperty("succeeded").GetBoolean());
        Assert.Equal(3, sync.GetProperty("versionCount").GetInt32());
        Assert.Equal(Tidegate.Core.Store.CatalogSourceKind.LocalDirectory, stored!.Kind);
        Assert.Equal(1, stacks.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(0, after.GetProperty("total").GetInt32());
        Assert.Null(await _factory.Store.CatalogSources.GetAsync("extra", default));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
