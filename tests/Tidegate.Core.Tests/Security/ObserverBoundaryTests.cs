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
    [InlineData("0.1.2.3", false)]
    [InlineData("::", false)]
    [InlineData("100.100.100.200", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("ff02::1", false)]
    // Private, shared (CGNAT) and unique-local ranges.
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.254", false)]
    [InlineData("192.168.1.10", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("100.127.255.254", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fd12:3456::1", false)]
    // IPv4 inside IPv6: mapped, compatible, NAT64 and 6to4, judged by the IPv4 address they carry.
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:169.254.169.254", false)]
    [InlineData("::127.0.0.1", false)]
    [InlineData("::169.254.169.254", false)]
    [InlineData("64:ff9b::7f00:1", false)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    [InlineData("64:ff9b::c0a8:101", false)]
    [InlineData("2002:7f00:1::1", false)]
    [InlineData("2002:a9fe:a9fe::1", false)]
    [InlineData("2002:a00:1::", false)]
    // Ordinary public addresses, also when carried inside IPv6, and the edges just outside the private ranges.
    [InlineData("93.184.216.34", true)]
    [InlineData("8.8.8.8", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("172.15.255.254", true)]
    [InlineData("100.128.0.1", true)]
    [InlineData("100.63.255.254", true)]
    [InlineData("192.169.0.1", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("::ffff:93.184.216.34", true)]
    [InlineData("64:ff9b::5db8:d822", true)]
    [InlineData("2002:5db8:d822::1", true)]
    [InlineData("fe00::1", true)]
    public void AddressRefusal_SpecialPrivateAndEmbeddedIPv4Addresses_AreRefusedUnlessListed(string address, bool allowed)
    {
        var policy = new ObserverPolicy { AllowedHttpHosts = ["status.example"] };
        var ip = IPAddress.Parse(address);

        var refusal = policy.AddressRefusal(ip);

        Assert.Equal(allowed, refusal is null);
        Assert.True(refusal is null || refusal.Code == "http-address-not-allowed");
        // Listing the literal itself (an IPv4-mapped one by its IPv4 literal) allows it.
        var literal = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4().ToString() : ip.ToString();
        Assert.Null((policy with { AllowedHttpHosts = ["status.example", literal] }).AddressRefusal(ip));
    }

    [Fact]
    public void AddressRefusal_AnyIPv6CarryingASpecialIPv4_IsRefused()
    {
        var policy = new ObserverPolicy { AllowedHttpHosts = ["status.example"] };
        Gen.Select(Gen.OneOf(Gen.Const<byte>(10), Gen.Const<byte>(127), Gen.Const<byte>(0)), Gen.Byte, Gen.Byte, Gen.Byte).Sample((a, b, c, d) =>
        {
            byte[] v4 = [a, b, c, d];
            byte[][] wrapped =
            [
                [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, .. v4],
                [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .. v4],
                [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, .. v4],
                [0x20, 0x02, .. v4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            ];
            Assert.All(wrapped, w => Assert.NotNull(policy.AddressRefusal(new IPAddress(w))));
        }, iter: 200);
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
                var parsed = ObserverDurations.Parse(text);
                Assert.True(parsed is null || parsed >= TimeSpan.Zero && parsed <= ObserverDurations.Maximum);
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

    [Theory]
    [InlineData("SELECT value FROM system_state WHERE key = 'maintenance'", true)]
    [InlineData("  select flag from app.settings", true)]
    [InlineData("WITH f AS (SELECT value FROM state) SELECT value FROM f", true)]
    [InlineData("SELECT call_count, todo FROM copy_of_state", true)]
    [InlineData("COPY (SELECT 1) TO PROGRAM 'id'", false)]
    [InlineData("SELECT 1 FROM (SELECT 1) x WHERE EXISTS (SELECT dblink_exec('host=x', 'DROP TABLE t'))", false)]
    [InlineData("SELECT dblink('host=10.0.0.1', 'SELECT 1')", false)]
    [InlineData("SELECT pg_read_file('/etc/passwd')", false)]
    [InlineData("SELECT PG_READ_BINARY_FILE('/etc/passwd')", false)]
    [InlineData("SELECT pg_catalog.pg_ls_dir('/')", false)]
    [InlineData("SELECT pg_stat_file('/etc/passwd')", false)]
    [InlineData("SELECT lo_import('/etc/passwd')", false)]
    [InlineData("SELECT lo_export(1, '/tmp/x')", false)]
    [InlineData("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", false)]
    [InlineData("SELECT pg_cancel_backend(42)", false)]
    [InlineData("SELECT set_config('x.y', '1', false)", false)]
    [InlineData("SELECT \"pg_read_file\"('/etc/passwd')", false)]
    [InlineData("SELECT U&\"pg\\005fread_file\"('/etc/passwd')", false)]
    [InlineData("DO $$ BEGIN PERFORM 1; END $$", false)]
    [InlineData("CALL refresh_flag()", false)]
    [InlineData("VALUES (1)", false)]
    [InlineData("TABLE system_state", false)]
    [InlineData("UPDATE system_state SET value = '1'", false)]
    [InlineData("/* c */ SELECT 1", false)]
    [InlineData("SELECT 1; SELECT pg_sleep(10)", false)]
    public void SqlQuery_IsOneSelect_WithoutCommandsOrFunctionsThatReachBeyondReading(string query, bool allowed)
    {
        var values = new Dictionary<string, string?> { ["type"] = "sqlQuery", ["connectionSecret"] = "FLAG_DB", ["query"] = query, ["maintenanceValue"] = "1" };

        var (settings, errors) = ObserverSettingsParser.Parse(values);

        Assert.Equal(allowed, settings is not null);
        Assert.Equal(!allowed, errors.ContainsKey("query"));
    }

    [Theory]
    [InlineData("Operator")]
    [InlineData("Admin")]
    [InlineData("Catalog")]
    public void SqlRules_OnlyListedConnectionSecrets_AndTheRefusalIsTheSameAsForAMissingSecret(string authorName)
    {
        var author = Enum.Parse<ObserverAuthor>(authorName);
        var policy = new ObserverPolicy { ConnectionSecrets = ["FLAG_DB"] };
        ObserverSettings Sql(string secret) => new() { Type = ObserverType.SqlQuery, ConnectionSecret = secret, Query = "SELECT 1", MaintenanceValue = "1" };

        Assert.Empty(ObserverRules.Check(Sql("FLAG_DB"), author, policy));
        var refused = ObserverRules.Check(Sql("APP_DB"), author, policy);
        Assert.Equal([ObserverErrors.SecretMissing("APP_DB").Message], refused["connectionSecret"]);
        Assert.True(ObserverRules.Check(Sql("flag_db"), author, policy).ContainsKey("connectionSecret"));
        // Nothing listed: SQL observers are off.
        Assert.True(ObserverRules.Check(Sql("FLAG_DB"), author, ObserverPolicy.None).ContainsKey("connectionSecret"));
    }

    [Fact]
    public async Task SqlProbe_AnUnlistedSecret_IsNeverRead_AndAnswersLikeAMissingOne()
    {
        using var http = ObserverHttp.CreateClient(ObserverPolicy.None);
        var read = new List<string>();
        var policy = new ObserverPolicy { ConnectionSecrets = ["FLAG_DB"] };
        var probe = new ObserverProbes(http, policy, (name, _) =>
        {
            read.Add(name);
            return Task.FromResult<string?>(null);
        });
        var settings = new ObserverSettings { Type = ObserverType.SqlQuery, ConnectionSecret = "APP_DB", Query = "SELECT 1", MaintenanceValue = "1" };

        var unlisted = await Assert.ThrowsAsync<ObserverProbeException>(() => probe.ReadAsync(settings, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<ObserverProbeException>(() => probe.ReadAsync(settings with { ConnectionSecret = "FLAG_DB" }, CancellationToken.None));

        Assert.Equal(["FLAG_DB"], read);
        Assert.Equal(unlisted.Error.Code, missing.Error.Code);
        Assert.Equal(unlisted.Error.Message.Replace("APP_DB", "FLAG_DB", StringComparison.Ordinal), missing.Error.Message);
    }

    [Fact]
    public async Task FileExistence_ALinkToOutsideSwappedInAfterConfiguration_IsRefused_NotAnsweredAsExists()
    {
        using var http = ObserverHttp.CreateClient(ObserverPolicy.None);
        var flag = Path.Combine(Root, "swapped.flag");
        var settings = new ObserverSettings { Type = ObserverType.File, Path = flag, MaintenanceValue = "exists", NormalValue = "missing" };
        Assert.Empty(ObserverRules.Check(settings, ObserverAuthor.Operator, Policy));
        var probe = new ObserverProbes(http, Policy);
        Assert.Equal("missing", await probe.ReadAsync(settings, CancellationToken.None));

        File.CreateSymbolicLink(flag, Path.Combine(Outside, "flag"));

        var refused = await Assert.ThrowsAsync<ObserverProbeException>(() => probe.ReadAsync(settings, CancellationToken.None));
        Assert.Equal("file-not-allowed", refused.Error.Code);
        Assert.DoesNotContain(Outside, refused.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileExistence_WhileALinkToOutsideFlipsInAndOut_NeverAnswersExists()
    {
        // The race of a check and a look that follows links: between them the path becomes a link to an existing file outside.
        var flag = Path.Combine(Root, "flipping.flag");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var flipper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                File.CreateSymbolicLink(flag, Path.Combine(Outside, "flag"));
                File.Delete(flag);
            }
        });
        var answers = new HashSet<string>(StringComparer.Ordinal);
        var polls = 0;
        while (!stop.IsCancellationRequested && polls++ < 20_000)
        {
            try
            {
                answers.Add(ObserverProbes.Existence(Policy, flag));
            }
            catch (ObserverProbeException ex)
            {
                answers.Add(ex.Error.Code);
            }
        }

        await stop.CancelAsync();
        await flipper;
        Assert.DoesNotContain("exists", answers);
    }

    [Fact]
    public async Task FileContent_AFifoDeviceOrSocket_IsRefusedBeforeOpening_WithoutBlocking()
    {
        using var http = ObserverHttp.CreateClient(ObserverPolicy.None);
        var fifo = Path.Combine(Root, "pipe.flag");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var settings = new ObserverSettings { Type = ObserverType.File, Path = fifo, MaintenanceValue = "on" };

        // A FIFO without a writer blocks open(2): the probe must refuse it before opening (on a worker, so a regression times out).
        var refused = await Assert.ThrowsAsync<ObserverProbeException>(() =>
            Task.Run(() => new ObserverProbes(http, Policy).ReadAsync(settings, CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("file-not-regular", refused.Error.Code);
        Assert.Equal(FileKind.Special, FileKinds.Of(fifo));
    }

    [Fact]
    public void FileKinds_LookWithoutFollowingTheLastLink()
    {
        Assert.Equal(FileKind.Regular, FileKinds.Of(Path.Combine(Root, "flag")));
        Assert.Equal(FileKind.Directory, FileKinds.Of(Path.Combine(Root, "a")));
        Assert.Equal(FileKind.Link, FileKinds.Of(Path.Combine(Root, "secret-link")));
        Assert.Equal(FileKind.Link, FileKinds.Of(Path.Combine(Root, "loop")));
        Assert.Equal(FileKind.Missing, FileKinds.Of(Path.Combine(Root, "not-there")));
        Assert.Equal(FileKind.Missing, FileKinds.Of(Path.Combine(Root, "flag", "below-a-file")));
        Assert.Equal(FileKind.Special, FileKinds.Of("/dev/null"));
    }
}
