using System.Net;
using System.Net.Http.Json;
using Tidegate.Core.Store;

namespace Tidegate.Server.Tests;

public sealed class AuthTests : IAsyncLifetime
{
    private readonly TidegateFactory _factory = new() { LoginFreeAttempts = 3 };
    private Seed _seed = null!;

    public async Task InitializeAsync() => _seed = await Seed.CreateAsync(_factory);

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Login_WithRightPassword_SetsAnHttpOnlyCookieThatAuthenticates()
    {
        using var client = _factory.Anonymous();

        using var login = await client.LoginAsync("viewer");
        using var me = await client.GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("tidegate.auth=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = await me.JsonAsync();
        Assert.Equal("viewer", body.GetProperty("username").GetString());
        Assert.Equal("cookie", body.GetProperty("authenticatedBy").GetString());
    }

    [Fact]
    public async Task CookieRequest_ThatChangesState_NeedsTheAntiforgeryToken()
    {
        using var client = _factory.Anonymous();
        (await client.LoginAsync("admin")).Dispose();

        using var without = await client.PostAsJsonAsync("/api/tokens", new { name = "from-ui" });
        var antiforgery = await (await client.GetAsync("/api/auth/antiforgery")).JsonAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = JsonContent.Create(new { name = "from-ui" }) };
        request.Headers.Add(antiforgery.GetProperty("headerName").GetString()!, antiforgery.GetProperty("token").GetString());
        using var with = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Equal("https://tidegate.dev/problems/antiforgery", (await without.JsonAsync()).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Created, with.StatusCode);
    }

    [Fact]
    public async Task BearerRequest_ThatChangesState_IsExemptFromAntiforgery()
    {
        using var client = _factory.WithToken(_seed.AdminToken);

        using var response = await client.PostAsJsonAsync("/api/tokens", new { name = "ci" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("tg_", (await response.JsonAsync()).GetProperty("token").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WithWrongPassword_Is401WithoutSayingWhichPartWasWrong()
    {
        using var client = _factory.Anonymous();

        using var unknownUser = await client.LoginAsync("nobody", "whatever-password");
        using var wrongPassword = await client.LoginAsync("viewer", "wrong-password-123");

        Assert.Equal(HttpStatusCode.Unauthorized, unknownUser.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal((await unknownUser.JsonAsync()).GetProperty("detail").GetString(), (await wrongPassword.JsonAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task BearerToken_Valid_Authenticates()
    {
        using var client = _factory.WithToken(_seed.ViewerToken);

        using var me = await client.GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("token", (await me.JsonAsync()).GetProperty("authenticatedBy").GetString());
    }

    [Fact]
    public async Task BearerToken_Expired_Is401()
    {
        var issued = await _factory.Store.ApiTokens.IssueAsync(new NewApiToken(_seed.Viewer.Id, "old", DateTimeOffset.UtcNow.AddSeconds(-1)), default);
        using var client = _factory.WithToken(issued.Token);

        using var me = await client.GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task BearerToken_Revoked_Is401()
    {
        using var admin = _factory.WithToken(_seed.AdminToken);
        var created = await (await admin.PostAsJsonAsync("/api/tokens", new { name = "short-lived" })).JsonAsync();
        using var client = _factory.WithToken(created.GetProperty("token").GetString()!);
        using var before = await client.GetAsync("/api/auth/me");

        using var revoke = await admin.DeleteAsync($"/api/tokens/{created.GetProperty("id").GetString()}");
        using var after = await client.GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task ScopedToken_OnAnotherDeployment_Is403AndOnItsOwnIsAllowed()
    {
        using var client = _factory.WithToken(_seed.ScopedToken);
        var body = new { newMode = "Maintenance", reason = "scoped" };

        using var other = await client.PutAsJsonAsync($"/api/deployments/{_seed.OtherDeployment.Id}/operation-mode", body);
        using var own = await client.PutAsJsonAsync($"/api/deployments/{_seed.Deployment.Id}/operation-mode", body);
        using var unrelated = await client.GetAsync("/api/environments");

        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, unrelated.StatusCode);
    }

    [Fact]
    public async Task EnvironmentScopedToken_ReachesItsEnvironmentAndItsDeployments_Only()
    {
        var other = (await _factory.Store.Environments.CreateAsync(new NewEnvironment("staging", "tcp://10.0.0.2:2376"), default)).ValueOrThrow();
        var issued = await _factory.Store.ApiTokens.IssueAsync(new NewApiToken(_seed.Operator.Id, "env-ci", ScopeEnvironmentId: _seed.Environment.Id), default);
        using var client = _factory.WithToken(issued.Token);

        using var own = await client.GetAsync($"/api/environments/{_seed.Environment.Id}");
        using var foreign = await client.GetAsync($"/api/environments/{other.Id}");
        using var deploymentInside = await client.GetAsync($"/api/deployments/{_seed.Deployment.Id}/operation-mode/history");
        using var seedRouteElsewhere = await client.GetAsync($"/api/environments/{other.Id}/deployments/{_seed.Deployment.Id}/rollback");

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deploymentInside.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, seedRouteElsewhere.StatusCode);
    }

    [Fact]
    public async Task TokenEndpoint_WithPassword_IssuesAWorkingToken()
    {
        using var client = _factory.Anonymous();

        using var response = await client.PostAsJsonAsync("/api/auth/token", new { username = "operator", password = Seed.Password, tokenName = "laptop" });
        var token = (await response.JsonAsync()).GetProperty("token").GetString()!;
        using var authed = _factory.WithToken(token);
        using var me = await authed.GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("laptop", (await me.JsonAsync()).GetProperty("tokenName").GetString());
    }

    [Fact]
    public async Task Cookie_OfADeletedUser_NoLongerAuthenticates()
    {
        var user = (await _factory.Store.Users.CreateAsync("leaver", Auth.PasswordPolicy.Hash(Seed.Password), UserRole.Viewer, default)).ValueOrThrow();
        using var client = _factory.Anonymous();
        (await client.LoginAsync("leaver")).Dispose();

        await _factory.Store.Users.DeleteAsync(user.Id, default);
        using var me = await client.GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task Login_FromOneAddress_IsRateLimited()
    {
        using var factory = new TidegateFactory { LoginPermitLimit = 2 };
        using var client = factory.Anonymous();

        var statuses = new List<HttpStatusCode>();
        TimeSpan? retryAfter = null;
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.LoginAsync("nobody", "whatever-password");
            statuses.Add(response.StatusCode);
            retryAfter = response.Headers.RetryAfter?.Delta;
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        Assert.InRange(retryAfter ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Hub_WithoutCredentials_Is401()
    {
        using var client = _factory.Anonymous();

        using var response = await client.PostAsync("/hubs/deployment/negotiate?negotiateVersion=1", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
