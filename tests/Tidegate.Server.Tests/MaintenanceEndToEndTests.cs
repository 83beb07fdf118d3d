using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Server.Tests;

/// <summary>The whole path on the real server and engine: a catalog stack whose x-tidegate defines a file observer (path
/// from a deployment variable) is deployed through the API; the server's observer host picks it up from the revision, an
/// external flag file puts the deployment into maintenance (app stopped, db kept), and removing it brings the app back.
/// The fallback rescan is set to an hour, so the observer starts from the scan the deploy's end nudges.</summary>
public sealed class MaintenanceEndToEndTests(DockerDaemonFixture fixture) : IAsyncLifetime, IClassFixture<DockerDaemonFixture>
{
    private const string StackId = "demo:maint:shop";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly TestResources _resources = new("maint-e2e");
    private readonly string _catalog = Path.Combine(Path.GetTempPath(), "tidegate-tests", "catalog-" + Guid.NewGuid().ToString("N"));
    private readonly string _flags = Directory.CreateTempSubdirectory("tidegate-e2e-flags-").FullName;
    private RealServer _server = null!;
    private Seed _seed = null!;
    private HttpClient _operator = null!;

    public async Task InitializeAsync()
    {
        Assert.NotNull(fixture.Endpoint);
        var folder = Path.Combine(_catalog, "maint", "1.0.0");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "compose.yaml"), $$"""
            x-tidegate:
              product: maint
              productName: Maintenance
              stack: shop
              version: "1.0.0"
              variables:
                FLAG:
                  type: path
                  required: true
              maintenanceObserver:
                type: file
                path: ${FLAG}
                maintenanceValue: exists
                normalValue: missing
                pollingInterval: 1s
            services:
              db:
                image: {{TestImages.Worker100}}
                labels:
                  tidegate.maintenance: ignore
              app:
                image: {{TestImages.Web100}}
                depends_on: [db]
                healthcheck:
                  disable: true
            """);
        // No fallback scan within the test: the observer must start because the deploy operation's end nudges a scan.
        _server = await RealServer.StartAsync("--DemoCatalog", _catalog, $"--Engine:Labels:{TestResources.LabelKey}", _resources.Id,
            "--Observers:RescanInterval", "01:00:00", "--Observers:FileRoots:0", _flags);
        _seed = await Seed.CreateAsync(_server.Store);
        _operator = _server.Client(_seed.OperatorToken);
        await Wait.UntilAsync(async ct =>
        {
            using var response = await _operator.GetAsync($"/api/catalog/stacks/{StackId}/versions", ct);
            return response.StatusCode;
        }, s => s == HttpStatusCode.OK, "the test catalog synced");
    }

    public async Task DisposeAsync()
    {
        _operator.Dispose();
        await _server.DisposeAsync();
        await _resources.DisposeAsync();
        Directory.Delete(_catalog, recursive: true);
        Directory.Delete(_flags, recursive: true);
    }

    [Fact]
    public async Task StackObserver_FlagFileDrivesMaintenance_AppStopsDbStays_AndComesBack()
    {
        var flag = Path.Combine(_flags, "maintenance.flag");
        using var deploy = await _operator.PostAsJsonAsync(new Uri($"/api/environments/{_seed.Environment.Id}/deployments", UriKind.Relative),
            new { name = _resources.Name("shop"), stackId = StackId, variables = new Dictionary<string, string> { ["FLAG"] = flag } });
        Assert.Equal(HttpStatusCode.Accepted, deploy.StatusCode);
        var id = (await deploy.JsonAsync()).GetProperty("deploymentId").GetString()!;

        var observer = await Wait.UntilAsync(_ => ObserverAsync(id), o => o.GetProperty("lastValue").GetString() == "missing",
            "the stack's observer polling", Timeout);
        Assert.Equal(("stack", "file", "ok"), (observer.GetProperty("source").GetString(), observer.GetProperty("type").GetString(),
            observer.GetProperty("health").GetString()));

        await File.WriteAllTextAsync(flag, "");
        var detail = await Wait.UntilAsync(_ => DetailAsync(id), d => d.GetProperty("health").GetString() == "Maintenance"
            && d.GetProperty("runningOperationId").ValueKind == JsonValueKind.Null, "maintenance health, the mode change finished", Timeout);
        Assert.Equal("Maintenance", detail.GetProperty("deployment").GetProperty("mode").GetString());
        Assert.Equal(("exited", "running"), (State(detail, "app"), State(detail, "db")));
        Assert.Contains("exitMaintenance", detail.GetProperty("availableActions").EnumerateArray().Select(a => a.GetString()));

        File.Delete(flag);
        detail = await Wait.UntilAsync(_ => DetailAsync(id), d => d.GetProperty("health").GetString() == "Healthy", "healthy again", Timeout);
        Assert.Equal(("Normal", "running"), (detail.GetProperty("deployment").GetProperty("mode").GetString(), State(detail, "app")));
        var history = (await _operator.GetFromJsonAsync<JsonElement>($"/api/deployments/{id}/operation-mode/history")).GetProperty("items");
        Assert.All(history.EnumerateArray(), h => Assert.Equal("observer:file", h.GetProperty("changedBy").GetString()));
        Assert.Equal(2, history.GetArrayLength());

        await Wait.UntilAsync(async ct => await _server.Store.Locks.GetAsync(id, ct), l => l is null, "the mode change to finish", Timeout);
        using var removed = await _operator.DeleteAsync(new Uri($"/api/deployments/{id}?removeVolumes=true", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, removed.StatusCode);
    }

    private async Task<JsonElement> ObserverAsync(string id) => await _operator.GetFromJsonAsync<JsonElement>($"/api/deployments/{id}/observer");

    private async Task<JsonElement> DetailAsync(string id) => await _operator.GetFromJsonAsync<JsonElement>($"/api/deployments/{id}");

    private static string? State(JsonElement detail, string service) => detail.GetProperty("services").EnumerateArray()
        .Single(s => s.GetProperty("name").GetString() == service).GetProperty("containers")[0].GetProperty("state").GetString();
}
