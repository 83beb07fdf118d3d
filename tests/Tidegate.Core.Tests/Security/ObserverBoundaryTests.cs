using System.Net;
using CsCheck;
using Tidegate.Core.Observers;
using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Security;

/// <summary>Threat-model boundary "observers": what an observer's author may make Tidegate read or reach. The path and address
/// rules, the author rules, and that no answer carries what was read. (HTTP-facing findings: Tidegate.Server.Tests/Security.)</summary>
public sealed class ObserverBoundaryTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("tidegate-observer-boundary-").FullName;

    public ObserverBoundaryTests()
    {
        // root/          the allowed root: flag ("inside"), a/, b/in → a (a link that stays inside), a/out → outside (a link out)
        // outside/       flag ("outside"), back → root
        Directory.CreateDirectory(Path.Combine(Root, "a"));
        Directory.CreateDirectory(Path.Combine(Root, "b"));
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Root, "flag"), "inside");
        File.WriteAllText(Path.Combine(Root, "a", "flag"), "inside");
        File.WriteAllText(Path.Combine(Outside, "flag"), "outside");
        File.CreateSymbolicLink(Path.Combine(Root, "b", "in"), Path.Combine(Root, "a"));
        File.CreateSymbolicLink(Path.Combine(Root, "a", "out"), Outside);
        File.CreateSymbolicLink(Path.Combine(Root, "a", "up"), "../..");
        File.CreateSymbolicLink(Path.Combine(Root, "loop"), Path.Combine(Root, "loop"));
        File.CreateSymbolicLink(Path.Combine(Root, "secret-link"), Path.Combine(Outside, "flag"));
        File.CreateSymbolicLink(Path.Combine(Outside, "back"), Root);
    }

    private string Root => Path.Combine(_base, "root");

    private string Outside => Path.Combine(_base, "outside");

    private ObserverPolicy Policy => new() { FileRoots = [Root] };

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Theory]
    [InlineData("flag", true)]
    [InlineData("a/flag", true)]
    [InlineData("b/in/flag", true)]
    [InlineData("not-there-yet.flag", true)]
    [InlineData("new-dir/not-there-yet.flag", true)]
    [InlineData("a/../flag", true)]
    [InlineData("../outside/flag", false)]
    [InlineData("a/../../outside/flag", false)]
    [InlineData("a/out/flag", false)]
    [InlineData("b/in/out/flag", false)]
    [InlineData("a/up/outside/flag", false)]
    [InlineData("secret-link", false)]
    [InlineData("loop", false)]
    [InlineData("loop/flag", false)]
    public void FileRefusal_FollowsLinksAndDotDot_BeforeDecidingIfAPathIsBelowTheRoot(string relative, bool allowed)
    {
        var refusal = Policy.FileRefusal(Root + "/" + relative);

        Assert.Equal(allowed, refusal is null);
        Assert.True(refusal is null || refusal.Code == "file-not-allowed");
    }

    [Fact]
    public void FileRefusal_WithoutRoots_SiblingPrefixes_AndTheDataDirectory_AreRefused()
    {
        Assert.Equal("file-not-allowed", ObserverPolicy.None.FileRefusal(Path.Combine(Root, "flag"))?.Code);
        Assert.NotNull(Policy.FileRefusal(Root + "2/flag"));
        Assert.NotNull(new ObserverPolicy { FileRoots = ["/"] }.FileRefusal("/proc/self/environ"));
        var data = Path.Combine(Root, "data");
        var policy = Policy with { ForbiddenRoots = [.. Policy.ForbiddenRoots, data] };
        Assert.NotNull(policy.FileRefusal(Path.Combine(data, "secret.key")));
        Assert.Null(policy.FileRefusal(Path.Combine(Root, "flag")));
    }

    [Fact]
    public void FileRefusal_NeverLetsAGeneratedPathEscapeTheRoot()
    {
        var component = Gen.OneOf("a", "b", "in", "out", "up", "back", "..", ".", "flag", "loop", "outside", "root", "secret-link");
        component.Array[1, 7].Sample(parts =>
        {
            var path = Root + "/" + string.Join('/', parts);
            if (Policy.FileRefusal(path) is null && File.Exists(path))
            {
                // Allowed and there: it must be a file of the root, never one reached through a link out or a "..".
                Assert.Equal("inside", File.ReadAllText(path));
            }
        }, iter: 300);
    }

    [Fact]
    public async Task FileProbe_ChecksTheRealPathAtEveryPoll_ALinkSwappedInAfterConfigurationIsRefused()
    {
        using var http = ObserverHttp.CreateClient(ObserverPolicy.None);
        var probe = new ObserverProbes(http, Policy);
        var flag = Path.Combine(Root, "swapped.flag");
        await File.WriteAllTextAsync(flag, "on");
        var settings = new ObserverSettings { Type = ObserverType.File, Path = flag, MaintenanceValue = "on", NormalValue = "off" };
        Assert.Equal("on", await probe.ReadAsync(settings, CancellationToken.None));

        File.Delete(flag);
        File.CreateSymbolicLink(flag, Path.Combine(Outside, "flag"));

        var refused = await Assert.ThrowsAsync<ObserverProbeException>(() => probe.ReadAsync(settings, CancellationToken.None));
        Assert.Equal("file-not-allowed", refused.Error.Code);
        // Neither where the link points nor what is there.
        Assert.DoesNotContain(Outside, refused.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileProbe_ReadsAtMostTheCap_AndSaysSoWithoutContent()
    {
        using var http = ObserverHttp.CreateClient(ObserverPolicy.None);
        var flag = Path.Combine(Root, "big.flag");
        await File.WriteAllTextAsync(flag, new string('x', 5000));
        var settings = new ObserverSettings { Type = ObserverType.File, Path = flag, MaintenanceValue = "on" };

        var refused = await Assert.ThrowsAsync<ObserverProbeException>(() => new ObserverProbes(http, Policy).ReadAsync(settings, CancellationToken.None));

        Assert.Equal("file-too-large", refused.Error.Code);
        Assert.DoesNotContain("xxx", refused.Error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.1.2.3", false)]
    [InlineData("::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("169.254.1.1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::", false)]
    [InlineData("100.100.100.200", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("10.1.2.3", true)]
    [InlineData("192.168.1.10", true)]
    [InlineData("93.184.216.34", true)]
    [InlineData("2001:db8::1", true)]
    public void AddressRefusal_LoopbackLinkLocalMetadataAndUnspecified_AreRefusedUnlessListed(string address, bool allowed)
    {
        var policy = new ObserverPolicy { AllowedHttpHosts = ["status.example"] };

        Assert.Equal(allowed, policy.AddressRefusal(IPAddress.Parse(address)) is null);
        var listed = policy with { AllowedHttpHosts = ["status.example", IPAddress.Parse(address).ToString()] };
        Assert.True(allowed || listed.AddressRefusal(IPAddress.Parse(address)) is null || address.StartsWith("::ffff:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://status.example/x", true)]
    [InlineData("http://STATUS.example:8080/x", true)]
    [InlineData("http://other.example/x", false)]
    [InlineData("http://status.example.evil/x", false)]
    [InlineData("http://127.0.0.1/x", false)]
    public void HostRefusal_OnlyListedHosts(string url, bool allowed)
    {
        Assert.Equal(allowed, new ObserverPolicy { AllowedHttpHosts = ["status.example"] }.HostRefusal(new Uri(url)) is null);
        Assert.NotNull(ObserverPolicy.None.HostRefusal(new Uri(url)));
    }

    [Fact]
    public async Task HttpClient_ChecksTheResolvedAddressAtConnectTime_AnAllowedNameThatResolvesToLoopbackIsRefused()
    {
        var policy = new ObserverPolicy { AllowedHttpHosts = ["localhost"] };
        using var http = ObserverHttp.CreateClient(policy);
        var settings = new ObserverSettings { Type = ObserverType.Http, Url = "http://localhost:9/", MaintenanceValue = "503" };

        var refused = await Assert.ThrowsAsync<ObserverProbeException>(() => new ObserverProbes(http, policy).ReadAsync(settings, CancellationToken.None));

        Assert.Equal("http-address-not-allowed", refused.Error.Code);
    }

    [Theory]
    [InlineData("Operator", false, false)]
    [InlineData("Operator", true, false)]
    [InlineData("Catalog", false, false)]
    [InlineData("Catalog", true, true)]
    [InlineData("Admin", false, true)]
    public void Rules_RegularExpressions_OnlyForAdmins_OrCatalogAuthorsWhenAllowed(string authorName, bool allowCatalogRegex, bool allowed)
    {
        var author = Enum.Parse<ObserverAuthor>(authorName);
        var settings = new ObserverSettings
        {
            Type = ObserverType.File, Path = Path.Combine(Root, "flag"), Match = ValueMatch.Regex, MaintenanceValue = "^a", NormalValue = "^b",
        };

        var errors = ObserverRules.Check(settings, author, Policy with { AllowCatalogRegex = allowCatalogRegex });

        Assert.Equal(allowed, !errors.ContainsKey("match"));
    }

    [Fact]
    public void Shown_NeverCarriesTheValueRead_OnlyConfiguredValuesOrFixedTexts()
    {
        Gen.Select(Gen.String[0, 40], Gen.Bool, Gen.OneOf(ObserverType.File, ObserverType.Http, ObserverType.SqlQuery)).Sample((content, regex, type) =>
        {
            var settings = new ObserverSettings
            {
                Type = type, Path = "/f", Url = "http://h/", Source = HttpValueSource.Body, Match = regex ? ValueMatch.Regex : ValueMatch.Equals,
                MaintenanceValue = regex ? "^on$" : "on", NormalValue = regex ? "^off$" : "off",
            };
            var shown = MaintenanceObserver.Shown(settings, content, ObserverSignal.Classify(settings, content));
            Assert.Contains(shown, new[] { "on", "off", MaintenanceObserver.DidNotMatch, "matched the maintenance pattern", "matched the normal pattern" });
        }, iter: 300);
    }

    [Fact]
    public void ParseDuration_NeverThrows_AndStaysWithinAYear()
    {
        Gen.OneOf(Gen.String[0, 30], Gen.Select(Gen.Long, Gen.OneOf("ms", "s", "m", "h", "", ".5h"), (n, unit) => n + unit))
            .Sample(text =>
            {
                var parsed = ObserverSettingsParser.ParseDuration(text);
                Assert.True(parsed is null || parsed >= TimeSpan.Zero && parsed <= ObserverSettingsParser.MaximumDuration);
            }, iter: 500);
    }

    [Fact]
    public async Task StoredAuthor_RoundTripsInsideTheEncryptedRow_AndIsNeverASetting()
    {
        await using var f = await Tidegate.Core.Tests.Store.StoreFixture.CreateAsync();
        var env = (await f.Store.Environments.CreateAsync(new NewEnvironment("prod", "unix:///var/run/docker.sock"), CancellationToken.None)).ValueOrThrow();
        var deployment = (await f.Store.Deployments.CreateAsync(new NewDeployment(env.Id, "web", "s:p:web", "p", "1.0.0"), [], CancellationToken.None))
            .ValueOrThrow();
        var settings = new Dictionary<string, string?> { ["type"] = "file", ["path"] = "/f", ["maintenanceValue"] = "exists" };

        await f.Store.Observers.SetAsync(deployment.Id, settings, "root", ObserverAuthor.Admin, CancellationToken.None);
        var read = (await f.Store.Observers.GetAsync(deployment.Id, CancellationToken.None))!;

        Assert.Equal(ObserverAuthor.Admin, read.Author);
        Assert.Equal(settings.OrderBy(e => e.Key), read.Settings.OrderBy(e => e.Key));
        // A body that tries to claim the author is not a setting the parser knows.
        Assert.True(ObserverSettingsParser.Parse(new Dictionary<string, string?>(settings) { ["@author"] = "Admin" }).Errors.ContainsKey("@author"));
    }
}
