using Tidegate.Core.Catalog;

namespace Tidegate.Core.Tests.Catalog;

public sealed class VersionRulesTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData("1.0.0", "1.0.1")]
    [InlineData("1.0.1", "1.1.0-alpha")]
    [InlineData("1.1.0-alpha", "1.1.0-alpha.1")]
    [InlineData("1.1.0-alpha.1", "1.1.0-alpha.beta")]
    [InlineData("1.1.0-alpha.beta", "1.1.0-beta")]
    [InlineData("1.1.0-beta", "1.1.0-beta.2")]
    [InlineData("1.1.0-beta.2", "1.1.0-beta.11")]
    [InlineData("1.1.0-beta.11", "1.1.0-rc.1")]
    [InlineData("1.1.0-rc.1", "1.1.0")]
    [InlineData("1.1.0", "2.0.0")]
    [InlineData("1.9.0", "1.10.0")]
    [InlineData("2.0.0", "10.0.0")]
    [InlineData("1.0.0-1", "1.0.0-alpha")]
    public void SemVerPrecedence_OrdersLowerBeforeHigher(string lower, string higher)
    {
        Assert.True(CatalogVersions.TryParse(lower, out var a));
        Assert.True(CatalogVersions.TryParse(higher, out var b));
        Assert.True(CatalogVersions.Precedence.Compare(a, b) < 0, $"{lower} < {higher}");
        Assert.True(CatalogVersions.Precedence.Compare(b, a) > 0, $"{higher} > {lower}");
    }

    [Theory]
    [InlineData("1.0.0+build.1", "1.0.0+build.2")]
    [InlineData("1.0.0+abc", "1.0.0")]
    [InlineData("1.0.0-beta+exp.sha.5114f85", "1.0.0-beta")]
    public void BuildMetadata_IsIgnoredForPrecedence(string left, string right)
    {
        Assert.True(CatalogVersions.TryParse(left, out var a));
        Assert.True(CatalogVersions.TryParse(right, out var b));
        Assert.Equal(0, CatalogVersions.Precedence.Compare(a, b));
    }

    [Theory]
    [InlineData("1.0.0", true)]
    [InlineData("1.0.0-alpha.1", true)]
    [InlineData("1.0.0+build", true)]
    [InlineData("1.0", false)]
    [InlineData("1", false)]
    [InlineData("1.0.0.0", false)]
    [InlineData("v1.0.0", false)]
    [InlineData("", false)]
    [InlineData("one.two.three", false)]
    [InlineData("1.0.0-", false)]
    public void VersionText_MustBeSemVer(string text, bool valid)
        => Assert.Equal(valid, CatalogVersions.TryParse(text, out _));

    [Fact]
    public async Task Versions_AreListedNewestFirstBySemVer()
    {
        string[] shuffled = ["1.1.0-beta", "2.0.0", "1.0.0", "1.1.0-alpha.1", "1.1.0", "1.0.1", "1.1.0-alpha"];
        foreach (var version in shuffled)
        {
            _root.Write($"shop/{version}/compose.yml", Stacks.Compose());
        }

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        Assert.Equal(["2.0.0", "1.1.0", "1.1.0-beta", "1.1.0-alpha.1", "1.1.0-alpha", "1.0.1", "1.0.0"],
            catalog.ListVersions("local:shop:shop").Select(v => v.VersionText));
    }

    [Fact]
    public async Task Latest_CountsPrereleasesOnlyWhenAsked()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        _root.Write("shop/1.1.0/compose.yml", Stacks.Compose());
        _root.Write("shop/2.0.0-beta.1/compose.yml", Stacks.Compose());

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        Assert.Equal("1.1.0", catalog.GetLatest("local:shop:shop", includePrerelease: false)?.VersionText);
        Assert.Equal("2.0.0-beta.1", catalog.GetLatest("local:shop:shop", includePrerelease: true)?.VersionText);
        Assert.Equal("1.1.0", catalog.GetLatest("local:shop", includePrerelease: false)?.VersionText);
        Assert.Null(catalog.GetLatest("local:nope", includePrerelease: true));
        Assert.Null(catalog.GetLatest("shop", includePrerelease: true));
    }

    [Fact]
    public async Task Latest_OnlyPrereleases_GivesNothingOnTheReleaseChannel()
    {
        _root.Write("shop/1.0.0-alpha/compose.yml", Stacks.Compose());

        var catalog = await Stacks.SyncedCatalog(_root.Path);

        Assert.Null(catalog.GetLatest("local:shop:shop", includePrerelease: false));
        Assert.Equal("1.0.0-alpha", catalog.GetLatest("local:shop:shop", includePrerelease: true)?.VersionText);
    }

    [Fact]
    public async Task NewerVersions_ListsUsableNewerVersionsWithReleaseNotes()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose(releaseNotes: "https://example.invalid/1.0.0"));
        _root.Write("shop/1.1.0/compose.yml", Stacks.Compose(releaseNotes: "https://example.invalid/1.1.0"));
        _root.Write("shop/1.2.0/compose.yml", "services: [broken\n");
        _root.Write("shop/2.0.0/compose.yml", Stacks.Compose(releaseNotes: "https://example.invalid/2.0.0"));
        _root.Write("shop/2.1.0-rc.1/compose.yml", Stacks.Compose());

        var catalog = await Stacks.SyncedCatalog(_root.Path);
        var newer = catalog.GetNewerVersions("local:shop:shop", "1.0.0");

        Assert.Equal(NewerVersionsStatus.UpgradeAvailable, newer.Status);
        Assert.Equal(["2.0.0", "1.1.0"], newer.Versions.Select(v => v.VersionText));
        Assert.Equal(["https://example.invalid/2.0.0", "https://example.invalid/1.1.0"], newer.Versions.Select(v => v.ReleaseNotesUrl));
        Assert.Equal("local:shop:shop", newer.Latest!.StackId.ToString());
    }

    [Theory]
    [InlineData("1.0.0", null, new[] { "2.0.0", "1.1.0" })]
    [InlineData("1.0.0", true, new[] { "2.1.0-rc.1", "2.0.0", "1.1.0" })]
    [InlineData("2.1.0-beta", null, new[] { "2.1.0-rc.1" })]
    [InlineData("2.1.0-beta", false, new string[0])]
    [InlineData("2.0.0", null, new string[0])]
    [InlineData("2.0.0+build.9", null, new string[0])]
    [InlineData("3.0.0", true, new string[0])]
    public async Task NewerVersions_FollowTheChannel(string current, bool? includePrerelease, string[] expected)
    {
        foreach (var version in new[] { "1.0.0", "1.1.0", "2.0.0", "2.1.0-rc.1" })
        {
            _root.Write($"shop/{version}/compose.yml", Stacks.Compose());
        }
        var catalog = await Stacks.SyncedCatalog(_root.Path);

        var newer = catalog.GetNewerVersions("local:shop:shop", current, includePrerelease);

        Assert.Equal(expected, newer.Versions.Select(v => v.VersionText));
        Assert.Equal(expected.Length > 0 ? NewerVersionsStatus.UpgradeAvailable : NewerVersionsStatus.UpToDate, newer.Status);
    }

    [Fact]
    public async Task NewerVersions_ForARemovedSource_SaysStackNotFound()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        var catalog = await Stacks.SyncedCatalog(_root.Path);

        Assert.True(catalog.RemoveSource("local"));

        Assert.Equal(NewerVersionsStatus.StackNotFound, catalog.GetNewerVersions("local:shop:shop", "1.0.0").Status);
        Assert.Empty(catalog.ListProducts());
        Assert.Null(catalog.FindStack("local:shop:shop"));
    }

    [Fact]
    public async Task NewerVersions_WithAnInvalidCurrentVersion_SaysSo()
    {
        _root.Write("shop/1.0.0/compose.yml", Stacks.Compose());
        var catalog = await Stacks.SyncedCatalog(_root.Path);

        Assert.Equal(NewerVersionsStatus.InvalidCurrentVersion, catalog.GetNewerVersions("local:shop:shop", "latest").Status);
    }

    [Theory]
    [InlineData("a:b:c", true)]
    [InlineData("demo:demo-web:demo-web", true)]
    [InlineData("a:b", false)]
    [InlineData("a:b:c:d", false)]
    [InlineData("A:b:c", false)]
    [InlineData("a::c", false)]
    [InlineData("a:b c:d", false)]
    public void StackId_Parses(string text, bool valid)
    {
        Assert.Equal(valid, StackId.TryParse(text, out var id));
        if (valid)
        {
            Assert.Equal(text, id.ToString());
        }
    }
}
