using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tidegate.Core.Store;
using Tidegate.Core.Validation;

namespace Tidegate.Server.Tests.Security;

/// <summary>One real server with seeded users, environment and deployments, shared by the rows of <see cref="InputBoundaryTests"/>.</summary>
public sealed class InputBoundaryServer : IAsyncLifetime
{
    internal RealServer Server { get; private set; } = null!;

    internal Seed Seed { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await RealServer.StartAsync();
        Seed = await Seed.CreateAsync(Server.Store);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Boundary: every caller against the names, reasons, numbers, durations and dates the API accepts. Control and
/// invisible formatting characters forge log lines and audit rows and hide what a name says; unbounded numbers and
/// durations crashed requests with 500. Every row is answered 400, and nothing is changed.</summary>
public sealed class InputBoundaryTests(InputBoundaryServer fixture) : IClassFixture<InputBoundaryServer>
{
    /// <summary>A newline, NUL, escape, right-to-left override, zero-width space, line separator.</summary>
    private static readonly string[] Characters = ["\n", "\0", "\u001B", "\u202E", "\u200B", "\u2028"];

    public static TheoryData<string> BadCharacters => new(Characters);

    /// <summary>Each name or reason field: method, path, JSON body with <c>BAD</c> where the bad text goes.</summary>
    private static readonly (string Method, string Path, string Body)[] Fields =
    [
        ("POST", "/api/tokens", """{"name":"BAD"}"""),
        ("POST", "/api/auth/token", """{"username":"admin","password":"a-long-test-password","tokenName":"BAD"}"""),
        ("POST", "/api/auth/login", """{"username":"BAD","password":"a-long-test-password"}"""),
        ("POST", "/api/users", """{"username":"BAD","password":"a-long-test-password","role":"viewer"}"""),
        ("POST", "/api/environments", """{"name":"BAD","dockerEndpoint":"unix:///var/run/docker.sock"}"""),
        ("PUT", "/api/environments/{env}/variables", """{"variables":[{"name":"BAD","value":"1","secret":false}]}"""),
        ("POST", "/api/environments/{env}/deployments", """{"name":"BAD","stackId":"demo:demo-web:web"}"""),
        ("PUT", "/api/registries/registry.example", """{"username":"BAD","password":"pw"}"""),
        ("POST", "/api/catalog/sources", """{"id":"BAD","kind":"directory","path":"/tmp"}"""),
        ("PUT", "/api/deployments/{dep}/operation-mode", """{"newMode":"Maintenance","reason":"BAD"}"""),
        ("POST", "/api/deployments/{dep}/stop", """{"reason":"BAD"}"""),
        ("POST", "/api/deployments/{dep}/restart", """{"sessionId":"BAD"}"""),
        ("POST", "/api/environments/{env}/deployments/{dep}/rollback", """{"reason":"BAD"}"""),
        ("POST", "/api/environments/{env}/deployments/{dep}/upgrade", """{"stackId":"demo:demo-web:web","sessionId":"BAD"}"""),
        ("POST", "/api/hooks/deploy", """{"environment":"prod","deployment":"BAD"}"""),
    ];

    public static TheoryData<int, string> FieldsAndCharacters() => EveryRowWithEveryValue(Fields.Length, Characters);

    /// <summary>Each row index of a request table combined with each bad value.</summary>
    private static TheoryData<int, string> EveryRowWithEveryValue(int rows, string[] values)
    {
        var data = new TheoryData<int, string>();
        for (var i = 0; i < rows; i++)
        {
            foreach (var bad in values)
            {
                data.Add(i, bad);
            }
        }
        return data;
    }

    private HttpRequestMessage Request(string method, string path, string? body)
    {
        path = path.Replace("{env}", fixture.Seed.Environment.Id, StringComparison.Ordinal).Replace("{dep}", fixture.Seed.Deployment.Id, StringComparison.Ordinal);
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return request;
    }

    [Theory]
    [MemberData(nameof(FieldsAndCharacters))]
    public async Task ControlOrInvisibleCharacter_InAName_Is400(int field, string bad)
    {
        var (method, path, template) = Fields[field];
        using var client = fixture.Server.Client(fixture.Seed.AdminToken);
        // JSON-escaped, so the character really reaches the server inside the string.
        var body = template.Replace("BAD", "web" + JsonSerializer.Serialize(bad)[1..^1] + "name", StringComparison.Ordinal);

        using var response = await client.SendAsync(Request(method, path, body));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest,
            $"{method} {path} with U+{(int)bad[0]:X4}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [MemberData(nameof(BadCharacters))]
    public async Task ControlOrInvisibleCharacter_InARouteName_Is400(string bad)
    {
        using var client = fixture.Server.Client(fixture.Seed.AdminToken);

        using var response = await client.PutAsJsonAsync($"/api/registries/{Uri.EscapeDataString("registry" + bad + "example")}", new { username = "ci", password = "pw" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>The requests that carry a variables map: deploy, upgrade and the CI webhook.</summary>
    private static readonly (string Method, string Path, string Body)[] VariableRequests =
    [
        ("POST", "/api/environments/{env}/deployments", """{"name":"varsweb","stackId":"none:none:none","variables":VARS}"""),
        ("POST", "/api/environments/{env}/deployments/{dep}/upgrade", """{"stackId":"none:none:none","variables":VARS}"""),
        ("POST", "/api/hooks/deploy", """{"environment":"prod","deployment":"varshook","stackId":"none:none:none","variables":VARS}"""),
    ];

    /// <summary>As JSON string contents: the escapes (newline, NUL, escape, RTL override, zero-width space, Ä) are decoded by the server.</summary>
    private static readonly string[] BadVariableNames =
        [@"A\nB", @"A\u0000B", @"A\u001BB", @"A\u202EB", @"A\u200BB", "", " ", "1BAD", "A-B", "A.B", "A B", @"\u00C4B", "A$B", new string('A', 129)];

    public static TheoryData<int, string> VariableRequestsAndBadNames() => EveryRowWithEveryValue(VariableRequests.Length, BadVariableNames);

    [Theory]
    [MemberData(nameof(VariableRequestsAndBadNames))]
    public async Task VariableName_NotAComposeVariableName_Is400_NamingTheVariablesField(int request, string bad)
    {
        var (method, path, template) = VariableRequests[request];
        using var client = fixture.Server.Client(fixture.Seed.AdminToken);
        // The bad name is written as a JSON string literal (escapes included), next to a good one.
        var body = template.Replace("VARS", $$"""{"GOOD_1":"x","{{bad}}":"y"}""", StringComparison.Ordinal);

        using var response = await client.SendAsync(Request(method, path, body));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {path} with '{bad}': {(int)response.StatusCode} {text}");
        Assert.True((await response.JsonAsync()).TryGetProperty("errors", out var errors) && errors.TryGetProperty("variables", out _), text);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task VariableNames_OfComposeShape_PassTheCheck(int request)
    {
        var (method, path, template) = VariableRequests[request];
        using var client = fixture.Server.Client(fixture.Seed.AdminToken);
        var body = template.Replace("VARS", $$"""{"GOOD_1":"x","_private":"y","web_PORT":"8080","{{new string('A', 128)}}":"z"}""", StringComparison.Ordinal);

        using var response = await client.SendAsync(Request(method, path, body));

        // Past validation: the stack does not exist.
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task DeploymentName_LongerThanADnsLabel_Is400_AndOneOf63IsAccepted()
    {
        using var client = fixture.Server.Client(fixture.Seed.AdminToken);
        var path = $"/api/environments/{fixture.Seed.Environment.Id}/deployments";

        using var tooLong = await client.PostAsJsonAsync(path, new { name = new string('a', 64), stackId = "none:none:none" });
        using var longest = await client.PostAsJsonAsync(path, new { name = new string('a', 63), stackId = "none:none:none" });

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True((await tooLong.JsonAsync()).GetProperty("errors").TryGetProperty("name", out _));
        // Past the name check: the stack does not exist.
        Assert.Equal(HttpStatusCode.NotFound, longest.StatusCode);
    }

    [Theory]
    [InlineData("web_1-a", true)]
    [InlineData("0web", true)]
    [InlineData("Web", false)]
    [InlineData("-web", false)]
    [InlineData("web.1", false)]
    [InlineData("web 1", false)]
    [InlineData("", false)]
    public void DeploymentNames_AreComposeProjectNames(string name, bool valid)
        => Assert.Equal(valid, Names.CheckDeploymentName("name", name) is null);

    [Theory]
    [InlineData("since=1000000d")]
    [InlineData("since=99999999999999999999s")]
    [InlineData("since=2147483647h")]
    [InlineData("since=0001-01-01T00:00:00Z")]
    [InlineData("since=yesterday")]
    [InlineData("tail=-1")]
    [InlineData("tail=10001")]
    [InlineData("tail=99999999999")]
    [InlineData("tail=abc")]
    public async Task LogsQuery_OutOfBounds_Is400(string query)
    {
        using var client = fixture.Server.Client(fixture.Seed.ViewerToken);

        using var response = await client.GetAsync($"/api/deployments/{fixture.Seed.Deployment.Id}/logs?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/users?limit=0")]
    [InlineData("/api/users?limit=100000")]
    [InlineData("/api/users?offset=-1")]
    [InlineData("/api/audit?since=not-a-date")]
    [InlineData("/api/tokens?limit=99999999999")]
    public async Task Paging_AndDates_OutOfBounds_Are400(string path)
    {
        using var client = fixture.Server.Client(fixture.Seed.AdminToken);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task CatalogSource_WithAnUnboundedSyncInterval_Is400()
    {
        using var client = fixture.Server.Client(fixture.Seed.AdminToken);

        using var response = await client.PostAsJsonAsync("/api/catalog/sources", new { id = "far", kind = "directory", path = "/tmp", syncInterval = "10000000.00:00:00" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", "203.0.113.9")]
    [InlineData("127.0.0.0/8", "203.0.113.9")]
    [InlineData("10.9.9.9", "127.0.0.1")]
    public async Task ForwardedFor_IsBelieved_OnlyFromATrustedProxy(string trusted, string recorded)
    {
        await using var server = await RealServer.StartAsync("--Server:TrustedProxies:0", trusted);
        var seed = await Seed.CreateAsync(server.Store);
        using var client = server.Client(seed.AdminToken);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await client.PostAsJsonAsync("/api/tokens", new { name = "through-a-proxy" });
        var entry = (await server.Store.AuditLog.QueryAsync(new AuditQuery(Action: "POST /api/tokens/"), new Page(10, 0), default)).Items.Single();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(recorded, entry.SourceIp);
    }

    [Theory]
    [InlineData("203.0.113.0/33")]
    [InlineData("not-an-address")]
    public async Task TrustedProxies_WithAnInvalidEntry_StopTheStart(string entry)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => RealServer.StartAsync("--Server:TrustedProxies:0", entry));

        Assert.Contains("Server:TrustedProxies", ex.Message, StringComparison.Ordinal);
    }
}
