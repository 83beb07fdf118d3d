using Tidegate.Core.Edge;

namespace Tidegate.Core.Tests.Security;

/// <summary>Entries registered before entries carried their environment: only the one environment that holds a
/// deployment of that name may own them; otherwise a deployment of the same name in another environment could take
/// over, re-point or remove another environment's public entries.</summary>
public sealed class EdgeOwnershipTests
{
    private static EdgeRegistry Legacy(params string[] deployments) => new()
    {
        Entries = [.. deployments.Select((d, i) => new EdgeEntry(d, "web", 8080, $"127.0.0.1:{18000 + i}"))],
    };

    [Fact]
    public void AnEntryWithoutEnvironment_IsOwnedByNoDeployment()
    {
        var entry = new EdgeEntry("shop", "web", 8080, "127.0.0.1:18000");

        Assert.False(entry.IsOwnedBy("prod", "shop"));
        Assert.False(entry.IsOwnedBy("staging", "shop"));
        Assert.False(entry.IsOwnedBy("", "shop"));
    }

    [Fact]
    public void AdoptUnowned_GivesAnEntryTheOneEnvironmentThatHoldsItsName_AndMovesItsMaintenanceFlag()
    {
        var registry = Legacy("shop");
        registry.Maintenance.Add(registry.Entries[0].Owner);

        var unowned = registry.AdoptUnowned(name => name == "shop" ? ["prod"] : []);

        Assert.Empty(unowned);
        var entry = Assert.Single(registry.Entries);
        Assert.True(entry.IsOwnedBy("prod", "shop"));
        Assert.False(entry.IsOwnedBy("staging", "shop"));
        Assert.Equal([EdgeNames.Owner("prod", "shop")], registry.Maintenance);
    }

    [Fact]
    public void AdoptUnowned_LeavesANameThatSeveralEnvironmentsOrNoneHold_OwnedByNoOne()
    {
        var registry = Legacy("shop", "gone");

        var unowned = registry.AdoptUnowned(name => name == "shop" ? ["prod", "staging"] : []);

        Assert.Equal(["gone", "shop"], unowned);
        Assert.All(registry.Entries, e => Assert.Equal("", e.Environment));
        Assert.DoesNotContain(registry.Entries, e => e.IsOwnedBy("prod", "shop") || e.IsOwnedBy("staging", "shop"));
    }

    [Fact]
    public void AdoptUnowned_KeepsEntriesThatHaveAnEnvironment()
    {
        var registry = new EdgeRegistry { Entries = [new EdgeEntry("shop", "web", 8080, "127.0.0.1:18000", Environment: "staging")] };

        var unowned = registry.AdoptUnowned(_ => ["prod"]);

        Assert.Empty(unowned);
        Assert.True(Assert.Single(registry.Entries).IsOwnedBy("staging", "shop"));
    }
}
