using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests.Security;

/// <summary>Boundary: anonymous callers and stolen or old credentials against the login, the session cookie and API tokens.
/// Against a real server on a loopback port; the server trusts 127.0.0.1 as a proxy, so each test chooses its client address
/// with X-Forwarded-For.</summary>
public sealed class AuthBoundaryTests : IAsyncLifetime
{
    private const string AddressA = "198.51.100.10";
    private const string AddressB = "198.51.100.20";
    private RealServer _server = null!;
    private Seed _seed = null!;

    public async Task InitializeAsync()
    {
        // Two free attempts, then an hour: a throttled pair stays throttled for the whole test.
        _server = await RealServer.StartAsync("--Server:TrustedProxies:0", "127.0.0.1", "--Security:LoginFreeAttempts", "2",
            "--Security:LoginBackoffBase", "01:00:00", "--Security:LoginBackoffMax", "02:00:00");
        _seed = await Seed.CreateAsync(_server.Store);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HttpClient From(string address, bool cookies = true)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = cookies, CookieContainer = new CookieContainer() }) { BaseAddress = _server.Address };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    private static async Task<(HttpStatusCode Status, string Body)> LoginAsync(HttpClient client, string username, string password)
    {
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        var json = await response.JsonAsync();
        // The whole problem but its trace id, which differs per request by design.
        var shape = string.Join("|", json.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value}"));
        return (response.StatusCode, shape);
    }

    [Fact]
    public async Task Login_ThrottledPair_GetsTheSameAnswerAsAWrongPasswordAndAnUnknownUser()
    {
        using var client = From(AddressA);

        var wrong = await LoginAsync(client, "viewer", "wrong-password-1");
        var unknown = await LoginAsync(client, "nobody-here", "wrong-password-1");
        await LoginAsync(client, "viewer", "wrong-password-2");
        var throttledWithTheRightPassword = await LoginAsync(client, "viewer", Seed.Password);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal(wrong, unknown);
        Assert.Equal(wrong, throttledWithTheRightPassword);
        Assert.DoesNotContain("locked", wrong.Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Login_AfterManyWrongPasswordsFromOneAddress_TheAdminStillLogsInFromAnother()
    {
        using var attacker = From(AddressA);
        using var admin = From(AddressB);

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(attacker, "admin", $"guess-{i}-password")).Status);
        }
        var fromB = await LoginAsync(admin, "admin", Seed.Password);
        var fromA = await LoginAsync(attacker, "admin", Seed.Password);

        Assert.Equal(HttpStatusCode.OK, fromB.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, fromA.Status);
    }

    [Fact]
    public void Backoff_GrowsWithEachFailure_IsCapped_AndResetsOnSuccessAndOnExpiry()
    {
        var time = new FakeTimeProvider();
        var options = new ServerOptions
        {
            Security = { LoginFreeAttempts = 3, LoginBackoffBase = TimeSpan.FromSeconds(1), LoginBackoffMax = TimeSpan.FromSeconds(5), LoginFailureMemory = TimeSpan.FromMinutes(10) },
        };
        var throttle = new LoginThrottle(Options.Create(options), time);

        var waits = new List<TimeSpan?>();
        for (var i = 0; i < 6; i++)
        {
            throttle.RecordFailure("Admin", "10.0.0.1");
            waits.Add(throttle.WaitFor("admin", "10.0.0.1"));
            time.Advance(waits[^1] ?? TimeSpan.Zero);
        }
        var otherAddress = throttle.WaitFor("admin", "10.0.0.2");
        throttle.RecordFailure("admin", "10.0.0.1");
        throttle.RecordSuccess("admin", "10.0.0.1");
        var afterSuccess = throttle.WaitFor("admin", "10.0.0.1");
        for (var i = 0; i < 4; i++)
        {
            throttle.RecordFailure("admin", "10.0.0.1");
        }
        time.Advance(TimeSpan.FromMinutes(10));
        var countAfterExpiry = throttle.RecordFailure("admin", "10.0.0.1");

        Assert.Equal([null, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5)], waits);
        Assert.Null(otherAddress);
        Assert.Null(afterSuccess);
        Assert.Equal(1, countAfterExpiry);
    }

    [Fact]
    public void Throttle_WhenJunkNamesFilledTheTable_StillBacksOffGuessesAtAdmin_AndKeepsAWaitingPair()
    {
        var time = new FakeTimeProvider();
        var options = new ServerOptions
        {
            Security = { LoginFreeAttempts = 2, LoginBackoffBase = TimeSpan.FromMinutes(1), LoginBackoffMax = TimeSpan.FromMinutes(10), LoginFailureMemory = TimeSpan.FromHours(1) },
        };
        var throttle = new LoginThrottle(Options.Create(options), time) { Capacity = 50 };
        const string attacker = "203.0.113.9";

        for (var i = 0; i < 50; i++)
        {
            throttle.RecordFailure($"junk-{i}", attacker);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
        var counts = Enumerable.Range(0, 4).Select(_ => throttle.RecordFailure("admin", attacker)).ToList();
        var adminWait = throttle.WaitFor("admin", attacker);
        // More junk while admin waits: the junk pairs (one free failure each) go first, the waiting pair stays.
        for (var i = 0; i < 200; i++)
        {
            throttle.RecordFailure($"more-junk-{i}", attacker);
        }
        var adminWaitAfterMoreJunk = throttle.WaitFor("admin", attacker);

        Assert.Equal([1, 2, 3, 4], counts);
        // Two free failures, then 1, 2, 4 minutes: the fourth failure waits 2 × 2 minutes.
        Assert.Equal(TimeSpan.FromMinutes(4), adminWait);
        Assert.Equal(TimeSpan.FromMinutes(4), adminWaitAfterMoreJunk);
        Assert.Equal(50, throttle.TrackedPairs);
    }

    [Fact]
    public void Throttle_WhenEveryTrackedPairWaits_EvictsTheOldest_AndTracksTheNewPair()
    {
        var time = new FakeTimeProvider();
        var options = new ServerOptions
        {
            Security = { LoginFreeAttempts = 0, LoginBackoffBase = TimeSpan.FromMinutes(1), LoginBackoffMax = TimeSpan.FromMinutes(10), LoginFailureMemory = TimeSpan.FromHours(1) },
        };
        var throttle = new LoginThrottle(Options.Create(options), time) { Capacity = 3 };

        foreach (var name in new[] { "oldest", "middle", "newest" })
        {
            throttle.RecordFailure(name, "203.0.113.9");
            time.Advance(TimeSpan.FromSeconds(1));
        }
        throttle.RecordFailure("admin", "203.0.113.9");

        Assert.NotNull(throttle.WaitFor("admin", "203.0.113.9"));
        Assert.Null(throttle.WaitFor("oldest", "203.0.113.9"));
        Assert.NotNull(throttle.WaitFor("middle", "203.0.113.9"));
        Assert.NotNull(throttle.WaitFor("newest", "203.0.113.9"));
        Assert.Equal(3, throttle.TrackedPairs);
    }

    [Fact]
    public async Task Cookie_AfterAnAdminChangesThePassword_NoLongerAuthenticates()
    {
        using var browser = From(AddressA);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(browser, "viewer", Seed.Password)).Status);
        using var before = await browser.GetAsync("/api/auth/me");

        using var admin = _server.Client(_seed.AdminToken);
        using var reset = await admin.PutAsJsonAsync($"/api/users/{_seed.Viewer.Id}/password", new { password = "another-long-password" });
        using var after = await browser.GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task LogoutAll_EndsEveryCookieOfTheUser_AndRevokesTheirTokensOnRequest()
    {
        using var laptop = From(AddressA);
        using var phone = From(AddressB);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(laptop, "operator", Seed.Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(phone, "operator", Seed.Password)).Status);
        using var tokenClient = _server.Client(_seed.OperatorToken);
        var antiforgery = await (await laptop.GetAsync("/api/auth/antiforgery")).JsonAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout-all") { Content = JsonContent.Create(new { revokeTokens = true }) };
        request.Headers.Add(antiforgery.GetProperty("headerName").GetString()!, antiforgery.GetProperty("token").GetString());
        using var logoutAll = await laptop.SendAsync(request);
        using var phoneAfter = await phone.GetAsync("/api/auth/me");
        using var tokenAfter = await tokenClient.GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.NoContent, logoutAll.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, phoneAfter.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tokenAfter.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(phone, "operator", Seed.Password)).Status);
    }

    [Fact]
    public async Task AdminEndingSessions_EndsTheCookies_AndKeepsTheTokensUnlessAsked()
    {
        using var browser = From(AddressA);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(browser, "viewer", Seed.Password)).Status);
        using var viewerToken = _server.Client(_seed.ViewerToken);
        using var admin = _server.Client(_seed.AdminToken);

        using var end = await admin.DeleteAsync($"/api/users/{_seed.Viewer.Id}/sessions");
        using var cookieAfter = await browser.GetAsync("/api/auth/me");
        using var tokenAfter = await viewerToken.GetAsync("/api/auth/me");
        using var endWithTokens = await admin.DeleteAsync($"/api/users/{_seed.Viewer.Id}/sessions?revokeTokens=true");
        using var tokenAfterRevoke = await viewerToken.GetAsync("/api/auth/me");
        using var unknown = await admin.DeleteAsync("/api/users/no-such-user/sessions");

        Assert.Equal(HttpStatusCode.NoContent, end.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, cookieAfter.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tokenAfter.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, endWithTokens.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tokenAfterRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"forever","expiresAt":"9999-12-31T00:00:00Z"}""")]
    [InlineData("""{"name":"ten-years","expiresInDays":3650}""")]
    [InlineData("""{"name":"a-day-too-long","expiresInDays":366}""")]
    public async Task Token_WithAnExpiryBeyondTheServerMaximum_Is400(string body)
    {
        using var client = _server.Client(_seed.AdminToken);

        using var response = await client.PostAsync("/api/tokens", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("MaxTokenLifetime", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_WithoutAnExpiry_GetsTheServerMaximum()
    {
        using var client = _server.Client(_seed.AdminToken);

        using var response = await client.PostAsJsonAsync("/api/tokens", new { name = "no-expiry-given" });
        var expiresAt = (await response.JsonAsync()).GetProperty("expiresAt").GetDateTimeOffset();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.InRange(expiresAt, DateTimeOffset.UtcNow.AddDays(364), DateTimeOffset.UtcNow.AddDays(365).AddMinutes(1));
    }

    [Fact]
    public async Task TokenLogin_BeyondTheServerMaximum_Is400()
    {
        using var client = From(AddressB);

        using var response = await client.PostAsJsonAsync("/api/auth/token", new { username = "operator", password = Seed.Password, expiresInDays = 3650 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("expiresInDays", out _));
    }

    [Fact]
    public async Task Token_OlderThanTheServerMaximum_StopsWorking()
    {
        using var store = await TemporaryStore.OpenAsync();
        var user = (await store.Store.Users.CreateAsync("old", PasswordPolicy.Hash(Seed.Password), UserRole.Viewer, default)).ValueOrThrow();
        var issued = await store.Store.ApiTokens.IssueAsync(new NewApiToken(user.Id, "from-before-the-limit"), default);

        store.Time.Advance(TimeSpan.FromDays(30));
        var young = await store.Store.ApiTokens.AuthenticateAsync(issued.Token, TimeSpan.FromDays(31), default);
        var old = await store.Store.ApiTokens.AuthenticateAsync(issued.Token, TimeSpan.FromDays(29), default);

        Assert.NotNull(young);
        Assert.Null(old);
    }

    /// <summary>A store on a fake clock, for what needs time to pass.</summary>
    private sealed class TemporaryStore(string directory, FakeTimeProvider time, TidegateStore store) : IDisposable
    {
        public FakeTimeProvider Time { get; } = time;

        public TidegateStore Store { get; } = store;

        public static async Task<TemporaryStore> OpenAsync()
        {
            var directory = Directory.CreateTempSubdirectory("tidegate-auth-").FullName;
            var time = new FakeTimeProvider();
            return new TemporaryStore(directory, time, await TidegateStore.OpenAsync(new StoreOptions(directory), Core.Secrets.SecretProtector.Load(directory), time, default));
        }

        public void Dispose() => Directory.Delete(directory, recursive: true);
    }
}
