using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests;

/// <summary>Operation modes and observers through the API: the mode change as an operation, history, available actions, an
/// observer configured through the API driving maintenance (real flag file), ownership with the audited admin override,
/// masking, observer errors, and the deployment's SSE stream. The seeded deployments have no containers, so every mode
/// change is a real but quick operation on the engine.</summary>
public sealed class OperationModeApiTests : IAsyncLifetime, IClassFixture<DockerDaemonFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TidegateFactory _factory = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("tidegate-mode-api-").FullName;
    private Seed _seed = null!;
    private HttpClient _operator = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _factory.Settings["Observers:FileRoots:0"] = _directory;
        _factory.Settings["Observers:ConnectionSecrets:0"] = "ERP_DB";
        _seed = await Seed.CreateAsync(_factory);
        _operator = _factory.WithToken(_seed.OperatorToken);
        _admin = _factory.WithToken(_seed.AdminToken);
    }

    public Task DisposeAsync()
    {
        _operator.Dispose();
        _admin.Dispose();
        _factory.Dispose();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private string Id => _seed.Deployment.Id;

    private string Flag => Path.Combine(_directory, "maintenance.flag");

    [Fact]
    public async Task ModeChange_Is200WithTheOperation_HistoryNamesTheUser_AndDetailOffersTheModesActions()
    {
        Assert.Contains("enterMaintenance", await ActionsAsync());

        using var response = await _operator.PutAsJsonAsync($"/api/deployments/{Id}/operation-mode", new { newMode = "Maintenance", reason = "weekly backup" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal(("Normal", "Maintenance"), (body.GetProperty("previousMode").GetString(), body.GetProperty("newMode").GetString()));
        var operationId = body.GetProperty("operationId").GetString()!;
        Assert.Equal($"/api/operations/{operationId}/events", body.GetProperty("eventsUrl").GetString());
        Assert.Equal("Succeeded", await OperationStatusAsync(operationId));
        var actions = await ActionsAsync();
        Assert.Contains("exitMaintenance", actions);
        Assert.DoesNotContain("enterMaintenance", actions);

        // Illegal: Maintenance → Failed names the allowed targets; the history keeps only the legal change.
        using var illegal = await _operator.PutAsJsonAsync($"/api/deployments/{Id}/operation-mode", new { newMode = "Failed" });
        Assert.Equal(HttpStatusCode.Conflict, illegal.StatusCode);
        var history = (await _operator.GetFromJsonAsync<JsonElement>($"/api/deployments/{Id}/operation-mode/history")).GetProperty("items");
        var entry = Assert.Single(history.EnumerateArray());
        Assert.Equal(("operator (token operator-token)", "weekly backup"), (entry.GetProperty("changedBy").GetString(), entry.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task ModeChange_WhileAnotherOperationRuns_Is409NamingIt()
    {
        var holder = await _factory.Store.Operations.CreateAsync(new NewOperation(Id, _seed.Deployment.Name, OperationKind.Deploy, "test"), default);
        await _factory.Store.Locks.AcquireAsync(Id, holder.Id, "test", TimeSpan.FromMinutes(5), default);

        using var response = await _operator.PutAsJsonAsync($"/api/deployments/{Id}/operation-mode", new { newMode = "Maintenance" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(holder.Id, (await response.JsonAsync()).GetProperty("runningOperationId").GetString());
        Assert.Equal(OperationMode.Normal, (await _factory.Store.Deployments.GetAsync(Id, default))!.Mode);
    }

    [Fact]
    public async Task Observer_FromTheApi_DrivesMaintenance_PushesOnSse_AndOnlyAnAdminOverrideEndsItByHand()
    {
        using var put = await _operator.PutAsJsonAsync($"/api/deployments/{Id}/observer",
            new { type = "file", path = Flag, maintenanceValue = "exists", normalValue = "missing", pollingInterval = "1s" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var configured = await put.JsonAsync();
        Assert.Equal(("file", "api", 1.0), (configured.GetProperty("type").GetString(), configured.GetProperty("source").GetString(),
            configured.GetProperty("pollingIntervalSeconds").GetDouble()));
        await Wait.UntilAsync(_ => ObserverAsync(), o => o.GetProperty("lastValue").GetString() == "missing", "the observer's first poll", Timeout);

        using var events = await _operator.GetAsync(new Uri($"/api/deployments/{Id}/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        await File.WriteAllTextAsync(Flag, "");
        using (var read = new CancellationTokenSource(Timeout))
        {
            string? line;
            while ((line = await reader.ReadLineAsync(read.Token)) != "event: modeChanged")
            {
                Assert.NotNull(line);
            }
            Assert.Contains("\"changedBy\":\"observer:file\"", await reader.ReadLineAsync(read.Token), StringComparison.Ordinal);
        }

        await Wait.UntilAsync(_ => ObserverAsync(), o => o.GetProperty("owner").GetString() == "observer:file", "the observer owning the maintenance", Timeout);
        await WaitUnlockedAsync();
        using var byOperator = await _operator.PutAsJsonAsync($"/api/deployments/{Id}/operation-mode", new { newMode = "Normal", reason = "done early" });
        Assert.Equal(HttpStatusCode.Conflict, byOperator.StatusCode);
        Assert.Equal("observer:file", (await byOperator.JsonAsync()).GetProperty("owner").GetString());
        using var operatorOverride = await _operator.PutAsJsonAsync($"/api/deployments/{Id}/operation-mode", new { newMode = "Normal", @override = true });
        Assert.Equal(HttpStatusCode.Forbidden, operatorOverride.StatusCode);

        using var adminOverride = await _admin.PutAsJsonAsync($"/api/deployments/{Id}/operation-mode", new { newMode = "Normal", reason = "ERP is back", @override = true });
        Assert.Equal(HttpStatusCode.OK, adminOverride.StatusCode);
        var audit = await _factory.Store.AuditLog.QueryAsync(new AuditQuery(Action: "operation-mode.override"), new Page(10, 0), default);
        var overridden = Assert.Single(audit.Items);
        Assert.Equal(("admin (token admin-token)", "ERP is back"), (overridden.Actor, overridden.Reason));
        var history = (await _factory.Store.OperationModes.HistoryAsync(Id, new Page(10, 0), default)).Items;
        Assert.Equal(["admin (token admin-token)", "observer:file"], history.Select(h => h.ChangedBy));

        using var deleted = await _operator.DeleteAsync(new Uri($"/api/deployments/{Id}/observer", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False((await ObserverAsync()).GetProperty("configured").GetBoolean());
    }

    [Fact]
    public async Task Observer_ErrorsShowAsObserverHealth_SecretsAreMasked_AndBadSettingsAre400()
    {
        const string password = "observer-db-password-77";
        var port = FreePort.Next();
        // An admin keeps the connection string as a secret of the environment; the operator names it.
        await _factory.Store.Environments.SetVariablesAsync(_seed.Environment.Id,
            [new VariableValue("ERP_DB", $"Host=127.0.0.1;Port={port};Username=erp;Password={password};Timeout=2", true)], default);
        using var put = await _operator.PutAsJsonAsync($"/api/deployments/{Id}/observer", new
        {
            type = "sqlQuery", connectionSecret = "ERP_DB", query = "SELECT 1", maintenanceValue = "1", pollingInterval = 1, timeout = "2s",
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var status = await Wait.UntilAsync(_ => ObserverAsync(), o => o.GetProperty("health").GetString() == "error", "the observer's error", Timeout);
        Assert.Contains("PostgreSQL", status.GetProperty("error").GetString(), StringComparison.Ordinal);
        var raw = await _operator.GetStringAsync(new Uri($"/api/deployments/{Id}/observer", UriKind.Relative));
        Assert.DoesNotContain(password, raw, StringComparison.Ordinal);
        Assert.Equal(OperationMode.Normal, (await _factory.Store.Deployments.GetAsync(Id, default))!.Mode);

        using var bad = await _operator.PutAsJsonAsync($"/api/deployments/{Id}/observer", new { type = "http", maintenanceValue = "503", pollingInterval = "100ms" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("url", out _));
        Assert.True(errors.TryGetProperty("pollingInterval", out _));
        // The bad request changed nothing: the stored observer is still the SQL one.
        Assert.Equal("sqlQuery", (await ObserverAsync()).GetProperty("type").GetString());
    }

    private async Task<JsonElement> ObserverAsync() => await _operator.GetFromJsonAsync<JsonElement>($"/api/deployments/{Id}/observer");

    private async Task<string[]> ActionsAsync() =>
        [.. (await _operator.GetFromJsonAsync<JsonElement>($"/api/deployments/{Id}")).GetProperty("availableActions").EnumerateArray().Select(a => a.GetString()!)];

    private Task<string> OperationStatusAsync(string operationId) => Wait.UntilAsync(
        async ct => (await _operator.GetFromJsonAsync<JsonElement>($"/api/operations/{operationId}", ct)).GetProperty("operation").GetProperty("status").GetString()!,
        s => s is "Succeeded" or "Failed" or "Cancelled", $"operation {operationId} to finish", Timeout);

    private Task WaitUnlockedAsync() =>
        Wait.UntilAsync(ct => _factory.Store.Locks.GetAsync(Id, ct), l => l is null, "the mode change to finish", Timeout);
}
