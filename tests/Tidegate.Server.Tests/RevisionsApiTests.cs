using System.Net;
using System.Text.Json;
using Tidegate.Core.Deployments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Server.Tests;

/// <summary>Revisions and metadata over HTTP with revisions written straight into the real store (the engine writes them the
/// same way; <see cref="DeploymentHistoryAndLogsTests"/> covers revisions made by real deploys).</summary>
public sealed class RevisionsApiTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly TidegateFactory _factory = new();
    private Seed _seed = null!;
    private HttpClient _viewer = null!;

    public async Task InitializeAsync()
    {
        _seed = await Seed.CreateAsync(_factory);
        _viewer = _factory.WithToken(_seed.ViewerToken);
        var store = _factory.Store;
        var id = _seed.Deployment.Id;
        await AddAsync(store, "1.0.0", "web:1.0.0", "first-secret", "8080", RevisionOutcome.Succeeded);
        await AddAsync(store, "2.0.0", "web:2.0.0", "second-secret", "8080", RevisionOutcome.Succeeded);
        await AddAsync(store, "2.0.0", "web:2.0.0", "second-secret", "9090", RevisionOutcome.Failed);
        await store.Deployments.SetRunningRevisionAsync(id, "demo:demo-web:web", "demo:demo-web", "2.0.0", 2, true, default);
        await store.Snapshots.AddMetadataAsync(new NewDeploymentMetadata(id, "op-1", 1, "1.0.0",
            new Dictionary<string, string> { ["web:1.0.0"] = "web@sha256:" + new string('1', 64) }, "ok", "ok", "healthy"), default);
        await store.Snapshots.AddMetadataAsync(new NewDeploymentMetadata(id, "op-2", 3, "2.0.0",
            new Dictionary<string, string> { ["web:2.0.0"] = "web@sha256:" + new string('2', 64) }, "ok", "failed: unhealthy", "rolled back"), default);
    }

    public Task DisposeAsync()
    {
        _viewer.Dispose();
        _factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task List_IsNewestFirstAndPaged_AndMarksTheCurrentRevision()
    {
        var page = await GetAsync($"/api/deployments/{_seed.Deployment.Id}/revisions?limit=2");

        Assert.Equal(3, page.GetProperty("total").GetInt64());
        Assert.Equal(2, page.GetProperty("nextOffset").GetInt32());
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([3, 2], items.Select(i => i.GetProperty("number").GetInt32()));
        Assert.Equal([false, true], items.Select(i => i.GetProperty("current").GetBoolean()));
        Assert.Equal(["Failed", "Succeeded"], items.Select(i => i.GetProperty("outcome").GetString()));
        Assert.Equal("web@sha256:" + new string('2', 64), items[1].GetProperty("imageDigests").GetProperty("web:2.0.0").GetString());
        Assert.Equal("admin", items[1].GetProperty("createdBy").GetString());
    }

    [Fact]
    public async Task Detail_ShowsTheResolvedDefinition_AndMasksSecrets()
    {
        using var response = await _viewer.GetAsync(new Uri($"/api/deployments/{_seed.Deployment.Id}/revisions/1", UriKind.Relative));
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("first-secret", raw, StringComparison.Ordinal);
        var detail = JsonDocument.Parse(raw).RootElement;
        Assert.Equal((1, "1.0.0", false), (detail.GetProperty("number").GetInt32(), detail.GetProperty("version").GetString(), detail.GetProperty("current").GetBoolean()));
        Assert.Equal(Resolved("web:1.0.0", "8080"), detail.GetProperty("definition").GetString());
        var variables = detail.GetProperty("variables").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!, v => (v.GetProperty("value").GetString(), v.GetProperty("secret").GetBoolean()));
        Assert.Equal((Masked.Value, true), variables["API_KEY"]);
        Assert.Equal(("8080", false), variables["PORT"]);
    }

    [Fact]
    public async Task Diff_ReportsVersionImagesVariablesAndAUnifiedDiff_WithoutSecretValues()
    {
        using var response = await _viewer.GetAsync(new Uri($"/api/deployments/{_seed.Deployment.Id}/revisions/diff?from=1&to=3", UriKind.Relative));
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("first-secret", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("second-secret", raw, StringComparison.Ordinal);
        var diff = JsonDocument.Parse(raw).RootElement;
        Assert.Equal((1, 3), (diff.GetProperty("from").GetInt32(), diff.GetProperty("to").GetInt32()));
        Assert.Equal(("1.0.0", "2.0.0"), (diff.GetProperty("version").GetProperty("from").GetString(), diff.GetProperty("version").GetProperty("to").GetString()));
        var image = Assert.Single(diff.GetProperty("images").EnumerateArray());
        Assert.Equal(("web", "web:1.0.0@sha256:" + new string('1', 64), "web:2.0.0@sha256:" + new string('2', 64)),
            (image.GetProperty("service").GetString(), image.GetProperty("from").GetString(), image.GetProperty("to").GetString()));
        var variables = diff.GetProperty("variables").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        Assert.Equal(["API_KEY", "PORT"], variables.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("changed", Masked.Value, Masked.Value), (variables["API_KEY"].GetProperty("change").GetString(),
            variables["API_KEY"].GetProperty("from").GetString(), variables["API_KEY"].GetProperty("to").GetString()));
        Assert.Equal(("changed", "8080", "9090"), (variables["PORT"].GetProperty("change").GetString(),
            variables["PORT"].GetProperty("from").GetString(), variables["PORT"].GetProperty("to").GetString()));
        Assert.Equal("""
            --- revision 1 (1.0.0)
            +++ revision 3 (2.0.0)
            @@ -1,7 +1,7 @@
             services:
               web:
            -    image: web:1.0.0
            +    image: web:2.0.0
                 ports:
            -      - 127.0.0.1:8080:8080
            +      - 127.0.0.1:9090:8080
                 environment:
                   API_KEY: ••••••

            """.Replace("\r\n", "\n", StringComparison.Ordinal), diff.GetProperty("definition").GetString());
    }

    [Fact]
    public async Task Diff_OfTheSameRevision_IsEmpty()
    {
        var diff = await GetAsync($"/api/deployments/{_seed.Deployment.Id}/revisions/diff?from=2&to=2");

        Assert.Empty(diff.GetProperty("images").EnumerateArray());
        Assert.Empty(diff.GetProperty("variables").EnumerateArray());
        Assert.Equal("", diff.GetProperty("definition").GetString());
    }

    [Theory]
    [InlineData("revisions/diff?to=2", 400, "from")]
    [InlineData("revisions/diff?from=0&to=2", 400, "from")]
    [InlineData("revisions/diff?from=1", 400, "to")]
    [InlineData("revisions/diff?from=1&to=9", 404, null)]
    [InlineData("revisions/abc", 400, "number")]
    [InlineData("revisions/0", 400, "number")]
    [InlineData("revisions/9", 404, null)]
    [InlineData("revisions?limit=0", 400, "limit")]
    [InlineData("metadata?offset=-1", 400, "offset")]
    public async Task BadRequests_GetAPreciseProblem(string path, int status, string? field)
    {
        using var response = await _viewer.GetAsync(new Uri($"/api/deployments/{_seed.Deployment.Id}/{path}", UriKind.Relative));
        var problem = await response.JsonAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.StartsWith("https://tidegate.dev/problems/", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        else
        {
            Assert.Contains("Revision 9", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("revisions")]
    [InlineData("revisions/1")]
    [InlineData("revisions/diff?from=1&to=2")]
    [InlineData("metadata")]
    public async Task UnknownDeployment_Is404(string path)
    {
        using var response = await _viewer.GetAsync(new Uri($"/api/deployments/missing/{path}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Metadata_ListsTheSeedsFieldsNewestFirst()
    {
        var page = await GetAsync($"/api/deployments/{_seed.Deployment.Id}/metadata");

        Assert.Equal(2, page.GetProperty("total").GetInt64());
        var newest = page.GetProperty("items")[0];
        Assert.Equal((3, "2.0.0", "ok", "failed: unhealthy", "rolled back", "op-2"), (newest.GetProperty("revision").GetInt32(), newest.GetProperty("version").GetString(),
            newest.GetProperty("pullResult").GetString(), newest.GetProperty("deployResult").GetString(), newest.GetProperty("healthResult").GetString(),
            newest.GetProperty("operationId").GetString()));
        Assert.Equal("web@sha256:" + new string('2', 64), newest.GetProperty("images").GetProperty("web:2.0.0").GetString());
        Assert.True(newest.GetProperty("timestamp").GetDateTimeOffset() >= page.GetProperty("items")[1].GetProperty("timestamp").GetDateTimeOffset());
    }

    [Fact]
    public async Task ATokenScopedToAnotherDeployment_CannotReadThisHistory()
    {
        using var scoped = _factory.WithToken(_seed.ScopedToken);

        using var own = await scoped.GetAsync(new Uri($"/api/deployments/{_seed.Deployment.Id}/revisions", UriKind.Relative));
        using var other = await scoped.GetAsync(new Uri($"/api/deployments/{_seed.OtherDeployment.Id}/revisions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _viewer.GetAsync(new Uri(path, UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    private static string Resolved(string image, string port) =>
        $"services:\n  web:\n    image: {image}\n    ports:\n      - 127.0.0.1:{port}:8080\n    environment:\n      API_KEY: {Masked.Value}\n";

    private async Task AddAsync(TidegateStore store, string version, string image, string secret, string port, RevisionOutcome outcome)
    {
        var definition = JsonSerializer.Serialize(new StoredDefinition("compose.yaml", "services: {} # source", Resolved(image, port)), Web);
        var revision = await store.Revisions.AddAsync(new NewRevision(_seed.Deployment.Id, "demo:demo-web:web", version, definition,
            [new VariableValue("API_KEY", secret, true), new VariableValue("PORT", port, false)],
            new Dictionary<string, string> { [image] = "web@sha256:" + new string(version[0], 64) }, "admin", "deploy"), default);
        await store.Revisions.SetOutcomeAsync(_seed.Deployment.Id, revision.Number, outcome, default);
    }
}
