using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tidegate.Core.Store;

namespace Tidegate.Server.Tests;

public sealed class ApiContractTests : IAsyncLifetime
{
    private readonly TidegateFactory _factory = new();
    private Seed _seed = null!;

    public async Task InitializeAsync() => _seed = await Seed.CreateAsync(_factory);

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task UnknownId_Is404ProblemWithStableTypeAndHumanDetail()
    {
        using var client = _factory.WithToken(_seed.ViewerToken);

        using var response = await client.GetAsync("/api/environments/does-not-exist");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Equal("https://tidegate.dev/problems/not-found", problem.GetProperty("type").GetString());
        Assert.Equal("The resource does not exist.", problem.GetProperty("title").GetString());
        Assert.Contains("does-not-exist", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownRoute_Is404ProblemWithTheStableType()
    {
        using var client = _factory.WithToken(_seed.ViewerToken);

        using var response = await client.GetAsync("/api/no-such-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("https://tidegate.dev/problems/not-found", (await response.JsonAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task InvalidFields_Are400ProblemWithFieldErrors()
    {
        using var client = _factory.WithToken(_seed.AdminToken);

        using var response = await client.PostAsJsonAsync("/api/users", new { username = "bad name!", password = "short", role = "root" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("https://tidegate.dev/problems/validation", problem.GetProperty("type").GetString());
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("username", out _));
        Assert.True(errors.TryGetProperty("password", out _));
        Assert.True(errors.TryGetProperty("role", out _));
    }

    [Fact]
    public async Task MalformedJson_Is400Problem()
    {
        using var client = _factory.WithToken(_seed.AdminToken);

        using var response = await client.PostAsync("/api/users", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("https://tidegate.dev/problems/bad-request", (await response.JsonAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task IllegalModeTransition_Is409NamingTheAllowedTargets()
    {
        using var client = _factory.WithToken(_seed.OperatorToken);
        var url = $"/api/deployments/{_seed.Deployment.Id}/operation-mode";

        using var toMaintenance = await client.PutAsJsonAsync(url, new { newMode = "Maintenance", reason = "weekly backup" });
        using var toFailed = await client.PutAsJsonAsync(url, new { newMode = "Failed", reason = "not allowed" });

        Assert.Equal(HttpStatusCode.OK, toMaintenance.StatusCode);
        var changed = await toMaintenance.JsonAsync();
        Assert.Equal("Normal", changed.GetProperty("previousMode").GetString());
        Assert.Equal("Maintenance", changed.GetProperty("newMode").GetString());
        Assert.Equal(HttpStatusCode.Conflict, toFailed.StatusCode);
        var problem = await toFailed.JsonAsync();
        Assert.Equal("https://tidegate.dev/problems/illegal-mode-transition", problem.GetProperty("type").GetString());
        Assert.Equal(new[] { "Normal", "Migrating", "Stopped" }, problem.GetProperty("allowedModes").EnumerateArray().Select(e => e.GetString()!).ToArray());
        var history = await _factory.Store.OperationModes.HistoryAsync(_seed.Deployment.Id, new Page(10, 0), default);
        var entry = Assert.Single(history.Items);
        Assert.Equal("weekly backup", entry.Reason);
        Assert.Equal("operator (token operator-token)", entry.ChangedBy);
    }

    [Fact]
    public async Task ModeChange_IsAuditedWithActorReasonAndTarget()
    {
        using var client = _factory.WithToken(_seed.OperatorToken);

        (await client.PutAsJsonAsync($"/api/deployments/{_seed.Deployment.Id}/operation-mode", new { newMode = "Stopped", reason = "planned shutdown" })).Dispose();

        var entries = await _factory.Store.AuditLog.QueryAsync(new AuditQuery(Action: "PUT /api/deployments/{id}/operation-mode"), new Page(10, 0), default);
        var entry = Assert.Single(entries.Items);
        Assert.Equal("operator (token operator-token)", entry.Actor);
        Assert.Equal($"id={_seed.Deployment.Id}", entry.Target);
        Assert.Equal(AuditResult.Succeeded, entry.Result);
        Assert.Equal("planned shutdown", entry.Reason);
    }

    [Fact]
    public async Task SecretValues_NeverAppearInResponsesOrTheAuditLog()
    {
        const string registrySecret = "registry-secret-value-42";
        const string userPassword = "user-password-secret-43";
        const string variableSecret = "variable-secret-value-44";
        using var admin = _factory.WithToken(_seed.AdminToken);

        (await admin.PutAsJsonAsync("/api/registries/registry.example.com", new { username = "bot", password = registrySecret })).Dispose();
        (await admin.PostAsJsonAsync("/api/users", new { username = "newbie", password = userPassword, role = "viewer" })).Dispose();
        using var setVariables = await admin.PutAsJsonAsync($"/api/environments/{_seed.Environment.Id}/variables",
            new { variables = new[] { new { name = "DB_PASSWORD", value = variableSecret, secret = true }, new { name = "MODE", value = "fast", secret = false } } });
        using var login = await _factory.Anonymous().PostAsJsonAsync("/api/auth/login", new { username = "newbie", password = userPassword });
        var registries = await admin.GetStringAsync("/api/registries");
        var variables = await admin.GetStringAsync($"/api/environments/{_seed.Environment.Id}/variables");
        var export = await admin.GetStringAsync("/api/audit/export");

        Assert.Equal(HttpStatusCode.OK, setVariables.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("registry.example.com", registries, StringComparison.Ordinal);
        Assert.DoesNotContain(registrySecret, registries, StringComparison.Ordinal);
        Assert.DoesNotContain(variableSecret, variables, StringComparison.Ordinal);
        Assert.Contains("fast", variables, StringComparison.Ordinal);
        foreach (var secret in new[] { registrySecret, userPassword, variableSecret, _seed.AdminToken })
        {
            Assert.DoesNotContain(secret, export, StringComparison.Ordinal);
        }
        Assert.Contains("auth.login", export, StringComparison.Ordinal);
        // The stored secret is intact: the masked listing did not overwrite it.
        var stored = await _factory.Store.Environments.GetVariablesWithSecretsAsync(_seed.Environment.Id, default);
        Assert.Equal(variableSecret, stored.Single(v => v.Name == "DB_PASSWORD").Value);
    }

    [Fact]
    public async Task Lists_ArePagedWithTotalAndNextOffset()
    {
        using var admin = _factory.WithToken(_seed.AdminToken);
        for (var i = 0; i < 4; i++)
        {
            (await admin.PostAsJsonAsync("/api/environments", new { name = $"env-{i}", dockerEndpoint = "tcp://10.0.0.1:2376" })).Dispose();
        }

        var first = await (await admin.GetAsync("/api/environments?limit=2&offset=0")).JsonAsync();
        var last = await (await admin.GetAsync("/api/environments?limit=2&offset=5")).JsonAsync();
        using var invalid = await admin.GetAsync("/api/environments?limit=0");

        Assert.Equal(6, first.GetProperty("total").GetInt32()); // local (created at start), prod and the four above
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        Assert.Equal(2, first.GetProperty("nextOffset").GetInt32());
        Assert.Equal(1, last.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, last.GetProperty("nextOffset").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task AuditQuery_FiltersByActorAndExportsJson()
    {
        using var op = _factory.WithToken(_seed.OperatorToken);
        using var admin = _factory.WithToken(_seed.AdminToken);
        (await op.PostAsJsonAsync("/api/tokens", new { name = "one" })).Dispose();
        (await admin.PostAsJsonAsync("/api/tokens", new { name = "two" })).Dispose();

        var filtered = await (await admin.GetAsync("/api/audit?actor=operator%20(token%20operator-token)")).JsonAsync();
        using var export = await admin.GetAsync("/api/audit/export");

        Assert.All(filtered.GetProperty("items").EnumerateArray(), e => Assert.Equal("operator (token operator-token)", e.GetProperty("actor").GetString()));
        Assert.Equal(1, filtered.GetProperty("total").GetInt32());
        Assert.Equal("application/json", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal(JsonValueKind.Array, (await export.JsonAsync()).ValueKind);
    }

    [Fact]
    public async Task SeedRoutes_AnswerWithTheSeedShapes_AndRefuseAnUpgradeOfADeploymentThatDoesNotRun()
    {
        using var client = _factory.WithToken(_seed.OperatorToken);
        var baseUrl = $"/api/environments/{_seed.Environment.Id}/deployments/{_seed.Deployment.Id}";

        var check = await (await client.GetAsync(baseUrl + "/upgrade/check")).JsonAsync();
        var rollback = await (await client.GetAsync(baseUrl + "/rollback")).JsonAsync();
        using var upgrade = await client.PostAsJsonAsync(baseUrl + "/upgrade", new { stackId = "demo:demo-web:web", variables = new { NEW_VAR = "v" }, sessionId = "s1" });
        using var wrongEnvironment = await client.GetAsync($"/api/environments/elsewhere/deployments/{_seed.Deployment.Id}/rollback");

        Assert.Equal(["success", "upgradeAvailable", "currentVersion", "latestVersion", "latestStackId", "newVariables", "removedVariables", "canUpgrade",
            "cannotUpgradeReason", "newerVersions"], check.EnumerateObject().Select(p => p.Name));
        // This server has no catalog source: the seed's reason for a stack source that is no longer configured.
        Assert.Equal((false, false, "Product not found in catalog"), (check.GetProperty("upgradeAvailable").GetBoolean(),
            check.GetProperty("canUpgrade").GetBoolean(), check.GetProperty("cannotUpgradeReason").GetString()));
        Assert.Equal(["canRollback", "rollbackTargetVersion", "snapshotDescription", "snapshotCreatedAt", "rollbackTargetRevision"],
            rollback.EnumerateObject().Select(p => p.Name));
        Assert.False(rollback.GetProperty("canRollback").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, upgrade.StatusCode);
        Assert.Contains("Product not found in catalog", (await upgrade.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, wrongEnvironment.StatusCode);
        var audit = await _factory.Store.AuditLog.QueryAsync(
            new AuditQuery(Action: "POST /api/environments/{environmentId}/deployments/{deploymentId}/upgrade"), new Page(10, 0), default);
        var entry = Assert.Single(audit.Items);
        Assert.Equal(AuditResult.Failed, entry.Result);
        Assert.Equal($"deploymentId={_seed.Deployment.Id};environmentId={_seed.Environment.Id}", entry.Target);
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheSeedRoutes()
    {
        using var client = _factory.WithToken(_seed.ViewerToken);

        var document = await client.GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/environments/{environmentId}/deployments/{deploymentId}/upgrade/check", document, StringComparison.Ordinal);
        Assert.Contains("/api/deployments/{id}/operation-mode", document, StringComparison.Ordinal);
    }
}
