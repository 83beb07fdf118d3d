using Tidegate.Core.Catalog;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Catalog;

public sealed class DemoCatalogTests
{
    public static string DemoCatalogPath() => RepositoryPaths.DemoCatalog;

    [Fact]
    public async Task DemoCatalog_LoadsTheExpectedProductsAndVersions()
    {
        var catalog = await Stacks.SyncedCatalog(DemoCatalogPath(), sourceId: "demo");

        Assert.Equal(["demo:demo-maint", "demo:demo-migrate", "demo:demo-web"], catalog.ListProducts().Select(p => p.Key));
        Assert.Equal(["demo:demo-maint:shop", "demo:demo-migrate:app", "demo:demo-web:web"], catalog.ListStacks().Select(s => s.Id.ToString()));
        Assert.Equal(["2.0.0", "1.1.0", "1.0.0"], catalog.ListVersions("demo:demo-web:web").Select(v => v.VersionText));
        Assert.Equal(["1.1.0", "1.0.0"], catalog.ListVersions("demo:demo-migrate:app").Select(v => v.VersionText));
        Assert.Equal(["1.1.0-beta.1", "1.0.0"], catalog.ListVersions("demo:demo-maint:shop").Select(v => v.VersionText));
        Assert.All(catalog.ListStacks().SelectMany(s => s.Versions), v => Assert.False(v.IsBroken, string.Join("; ", v.Diagnostics)));
        Assert.Equal(0, catalog.FindSource("demo")!.BrokenCount);
        Assert.Equal("Demo Web", catalog.FindProduct("demo:demo-web")!.Name);
    }

    [Fact]
    public async Task DemoWeb_2_0_0_AddsARequiredVariableAndRemovesOne()
    {
        var catalog = await Stacks.SyncedCatalog(DemoCatalogPath(), sourceId: "demo");

        var newer = catalog.GetNewerVersions("demo:demo-web:web", "1.0.0");
        var latest = newer.Latest!;
        var current = catalog.FindVersion("demo:demo-web:web", "1.0.0")!;
        var before = current.Metadata!.Variables.Select(v => v.Name).ToHashSet();
        var after = latest.Metadata!.Variables.ToDictionary(v => v.Name);

        Assert.Equal(["2.0.0", "1.1.0"], newer.Versions.Select(v => v.VersionText));
        Assert.Equal("https://releases.tidegate.invalid/demo-web/2.0.0", latest.ReleaseNotesUrl);
        Assert.Equal(["GREETING"], after.Keys.Except(before));
        Assert.Equal(["LEGACY_MODE"], before.Except(after.Keys));
        Assert.True(after["GREETING"].Required);
        Assert.Null(after["GREETING"].Default);
    }

    [Fact]
    public async Task DemoMaint_OffersItsBetaOnlyOnThePrereleaseChannel()
    {
        var catalog = await Stacks.SyncedCatalog(DemoCatalogPath(), sourceId: "demo");

        Assert.Equal("1.0.0", catalog.GetLatest("demo:demo-maint:shop", includePrerelease: false)?.VersionText);
        Assert.Equal("1.1.0-beta.1", catalog.GetLatest("demo:demo-maint:shop", includePrerelease: true)?.VersionText);
        Assert.Equal(NewerVersionsStatus.UpToDate, catalog.GetNewerVersions("demo:demo-maint:shop", "1.0.0").Status);
    }
}
