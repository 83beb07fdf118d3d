using Tidegate.Core.Catalog;
using Tidegate.Core.Definitions;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Catalog;

public sealed class DirectoryLayoutTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Theory]
    // file                                     x-tidegate (product, stack, version)   expected id                 expected version
    [InlineData("shop/1.0.0/docker-compose.yml", null, null, null, "local:shop:shop", "1.0.0")]
    [InlineData("shop/1.0.0/compose.yaml", null, null, null, "local:shop:shop", "1.0.0")]
    [InlineData("shop/v2.1.0/stack.yml", null, null, null, "local:shop:shop", "2.1.0")]
    [InlineData("shop/1.0.0/api.yml", null, null, null, "local:shop:api", "1.0.0")]
    [InlineData("shop/web/1.2.0/compose.yml", null, null, null, "local:shop:web", "1.2.0")]
    [InlineData("shop/web/compose.yml", null, null, "1.3.0", "local:shop:web", "1.3.0")]
    [InlineData("shop/web.yml", null, null, "1.0.0-rc.1", "local:shop:web", "1.0.0-rc.1")]
    [InlineData("shop/deep/nested/web.yml", null, null, "3.0.0", "local:shop:web", "3.0.0")]
    [InlineData("compose.yaml", null, null, "1.0.0", "local:local:local", "1.0.0")]
    [InlineData("tool.yml", null, null, "1.0.0", "local:local:tool", "1.0.0")]
    [InlineData("1.4.0/compose.yaml", null, null, null, "local:local:local", "1.4.0")]
    [InlineData("folder/1.0.0/compose.yml", "shop", null, null, "local:shop:shop", "1.0.0")]
    [InlineData("folder/1.0.0/compose.yml", "shop", "front", null, "local:shop:front", "1.0.0")]
    [InlineData("Big Shop/1.0.0/compose.yml", null, null, null, "local:big-shop:big-shop", "1.0.0")]
    [InlineData("shop/1.0.0/compose.yml", null, null, "1.0.0+build.7", "local:shop:shop", "1.0.0")]
    public async Task StackFile_IsPlacedByLayoutAndMetadata(string file, string? product, string? stack, string? version, string expectedId, string expectedVersion)
    {
        _root.Write(file, Stacks.Compose(version, product, stack));

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        var found = Assert.Single(catalog.ListStacks());
        Assert.Equal(expectedId, found.Id.ToString());
        var entry = Assert.Single(found.Versions);
        Assert.False(entry.IsBroken, string.Join("; ", entry.Diagnostics));
        Assert.Equal(expectedVersion, entry.VersionText);
        Assert.Equal(file, entry.File);
    }

    [Fact]
    public async Task VersionFolderWithSeveralFiles_GivesSeveralStacksOfOneProduct()
    {
        _root.Write("shop/1.0.0/web.yml", Stacks.Compose());
        _root.Write("shop/1.0.0/worker.yml", Stacks.Compose());
        _root.Write("shop/1.1.0/web.yml", Stacks.Compose());

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        var product = Assert.Single(catalog.ListProducts());
        Assert.Equal("local:shop", product.Key);
        Assert.Equal(["local:shop:web", "local:shop:worker"], product.Stacks.Select(s => s.Id.ToString()));
        Assert.Equal(["1.1.0", "1.0.0"], catalog.ListVersions("local:shop:web").Select(v => v.VersionText));
        Assert.Equal("1.1.0", catalog.GetLatest("local:shop", includePrerelease: false)?.VersionText);
    }

    [Fact]
    public async Task ProductName_AndDescription_ComeFromTheNewestVersion()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose(productName: "Old Shop"));
        _root.Write("shop/2.0.0/compose.yml", Stacks.Compose(productName: "Shop"));

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        Assert.Equal("Shop", Assert.Single(catalog.ListProducts()).Name);
    }

    [Fact]
    public async Task FolderWithoutMetadata_UsesFolderName()
    {
        _root.Write("plain/1.0.0/docker-compose.yml", "services:\n  web:\n    image: nginx\n");

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        var product = Assert.Single(catalog.ListProducts());
        Assert.Equal("plain", product.Name);
    }

    [Fact]
    public async Task VersionThatDisagreesWithItsFolder_IsKeptAsBroken()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose(version: "1.0.1"));

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        var entry = Assert.Single(catalog.ListVersions("local:shop:shop"));
        Assert.True(entry.IsBroken);
        Assert.Contains(entry.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Message.Contains("does not match its version folder '1.0.0'", StringComparison.Ordinal));
        Assert.Null(catalog.GetLatest("local:shop:shop", includePrerelease: true));
    }

    [Theory]
    [InlineData(null, "has no version")]
    [InlineData("1.0", "is not a SemVer 2.0 version")]
    [InlineData("latest", "is not a SemVer 2.0 version")]
    [InlineData("1.0.0.0", "is not a SemVer 2.0 version")]
    [InlineData("v1.0.0", "is not a SemVer 2.0 version")]
    public async Task FileWithoutUsableVersion_IsReportedAndKept(string? version, string message)
    {
        _root.Write("shop/web.yml", Stacks.Compose(version: version, product: "shop"));

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        var stack = Assert.Single(catalog.ListStacks());
        Assert.Empty(stack.Versions);
        var entry = Assert.Single(stack.Unversioned);
        Assert.True(entry.IsBroken);
        Assert.True(stack.HasBrokenEntries);
        Assert.Contains(entry.Diagnostics, d => d.Path == "x-tidegate.version" && d.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal(1, catalog.FindSource("local")!.BrokenCount);
    }

    [Fact]
    public async Task UnparsableYaml_IsKeptAsBrokenEntryWithDiagnostics()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        _root.Write("shop/1.1.0/compose.yml", "services:\n  web: [unclosed\n");

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        var versions = catalog.ListVersions("local:shop:shop");
        Assert.Equal(["1.1.0", "1.0.0"], versions.Select(v => v.VersionText));
        Assert.True(versions[0].IsBroken);
        Assert.NotEmpty(versions[0].Diagnostics);
        Assert.Equal("1.0.0", catalog.GetLatest("local:shop:shop", includePrerelease: false)?.VersionText);
    }

    [Fact]
    public async Task TwoFilesWithOneVersion_FlagTheSecondAsDuplicate()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        _root.Write("shop/web/compose.yml", Stacks.Compose(version: "1.0.0", stack: "shop"));

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        var versions = catalog.ListVersions("local:shop:shop");
        Assert.Equal(2, versions.Count);
        Assert.False(versions[0].IsBroken);
        Assert.Contains(versions[1].Diagnostics, d => d.Message.Contains("is also defined by", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FilesThatAreNotStacks_AreIgnored()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        _root.Write("shop/1.0.0/prometheus.yml", "global:\n  scrape_interval: 15s\n");
        _root.Write("shop/1.0.0/docker-compose.override.yml", "services:\n  web:\n    environment: [A=1]\n");
        _root.Write("shop/.hidden/1.0.0/compose.yml", Stacks.Compose());
        _root.Write(".git/compose.yml", Stacks.Compose(version: "1.0.0"));
        _root.Write("shop/README.md", "# shop\n");

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        var stack = Assert.Single(catalog.ListStacks());
        Assert.Single(stack.Versions);
    }

    [Fact]
    public async Task DeclaredIdWithSeparator_IsNormalizedWithWarning()
    {
        _root.Write("x/1.0.0/compose.yml", Stacks.Compose(product: "\"my:shop\""));

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        var entry = Assert.Single(Assert.Single(catalog.ListStacks()).Versions);
        Assert.Equal("local:my-shop:my-shop", entry.StackId.ToString());
        Assert.Contains(entry.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning && d.Path == "x-tidegate.product");
        Assert.False(entry.IsBroken);
    }

    [Fact]
    public async Task SubPath_LimitsTheSourceToThatFolder()
    {
        _root.Write("stacks/shop/1.0.0/compose.yml", Stacks.Compose());
        _root.Write("other/1.0.0/compose.yml", Stacks.Compose());
        var catalog = Stacks.Catalog(new StackLoader(), new FakeTimeProvider(),
            new CatalogSourceOptions { Id = "local", Kind = "directory", Path = _root.Path, SubPath = "stacks" });

        await catalog.SyncAsync("local", CancellationToken.None);

        Assert.Equal(["local:shop:shop"], catalog.ListStacks().Select(s => s.Id.ToString()));
    }
}

public sealed class ThrowingReaderTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task ReaderThatThrows_MakesOneBrokenEntry_NotAFailedSync()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        _root.Write("shop/1.1.0/compose.yml", Stacks.Compose());
        var catalog = Stacks.Catalog(new ThrowingOn("1.1.0"), new FakeTimeProvider(),
            new CatalogSourceOptions { Id = "local", Kind = "directory", Path = _root.Path });

        var result = await catalog.SyncAsync("local", CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal(1, result.BrokenCount);
        var broken = catalog.ListVersions("local:shop:shop")[0];
        Assert.True(broken.IsBroken);
        // The kind of failure, never the exception's text (viewers read catalog diagnostics).
        Assert.Contains(broken.Diagnostics, d => d.Message.Contains(nameof(NotSupportedException), StringComparison.Ordinal));
        Assert.DoesNotContain(broken.Diagnostics, d => d.Message.Contains("reader exploded", StringComparison.Ordinal));
        Assert.Equal("1.0.0", catalog.GetLatest("local:shop:shop", includePrerelease: false)?.VersionText);
    }

    private sealed class ThrowingOn(string folder) : IStackReader
    {
        private readonly StackLoader _inner = new();

        public StackReadResult Read(string file, string sourceRoot, CancellationToken cancellationToken)
            => file.Contains(folder, StringComparison.Ordinal) ? throw new NotSupportedException("reader exploded") : _inner.Read(file, sourceRoot, cancellationToken);
    }
}
