using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Ui.Tests.PostMerge;

// These exercise the upgrade and rollback engine (issue 6) and the maintenance container lifecycle (issue 7).

/// <summary>Seed 000 in a real browser: the blue banner, the upgrade dialog asking for the new required value,
/// live progress to the end; a failing upgrade, the amber banner and the rollback page.</summary>
public sealed class UpgradeRollbackUiTests(DockerDaemonFixture docker) : IClassFixture<DockerDaemonFixture>, IAsyncLifetime
{
    private readonly TestResources _resources = new("ui-upgrade");
    private readonly string _catalog = Path.Combine(Path.GetTempPath(), "tidegate-tests", "ui-catalog-" + Guid.NewGuid().ToString("N"));
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.NotNull(docker.Endpoint);
        _browser = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _resources.DisposeAsync();
        if (Directory.Exists(_catalog))
        {
            Directory.Delete(_catalog, recursive: true);
        }
    }

    [Fact]
    public async Task Upgrade_FromTheBlueBanner_AsksForTheNewRequiredValue_AndShowsLiveProgress()
    {
        await using var server = await UiServer.StartAsync(_resources, RepositoryPaths.DemoCatalog);
        using var api = await server.AdminApiAsync();
        var id = await ApiSteps.DeployAsync(api, "demo:demo-web:web", "1.0.0", _resources.Name("up"),
            new() { ["WEB_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture) });

        var page = await _browser.NewPageAsync(server.Address);
        await PageSteps.LoginAsync(page);
        await page.GotoAsync($"/deployments/{id}");
        var banner = page.GetByTestId("upgrade-banner");
        await Assertions.Expect(banner).ToContainTextAsync("Upgrade available: 1.0.0 → 2.0.0");
        await Assertions.Expect(banner).ToContainTextAsync("GREETING");
        await Assertions.Expect(banner).ToContainTextAsync("LEGACY_MODE");
        await Browser.ScreenshotAsync(page, "upgrade-banner");

        await banner.GetByRole(AriaRole.Button, new() { Name = "Upgrade" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await page.GetByRole(AriaRole.Button, new() { Name = "Start upgrade" }).ClickAsync();
        await Assertions.Expect(dialog.Locator("#upgrade-GREETING-err")).ToContainTextAsync("required");
        await dialog.Locator("#upgrade-GREETING").FillAsync("Hallo");
        await page.GetByLabel("Strategy").SelectOptionAsync("recreate");
        await Browser.ScreenshotAsync(page, "upgrade-dialog");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start upgrade" }).ClickAsync();

        var progress = page.GetByTestId("progress");
        await Assertions.Expect(progress).ToBeVisibleAsync();
        await Assertions.Expect(progress.GetByTestId("live-indicator")).ToHaveTextAsync("Live");
        await Assertions.Expect(progress.GetByTestId("progress-phase")).Not.ToContainTextAsync("Waiting");
        await Browser.ScreenshotAsync(page, "upgrade-progress");
        await Assertions.Expect(progress.GetByTestId("progress-status")).ToHaveTextAsync("Completed", new() { Timeout = 120_000 });
        await Assertions.Expect(progress.GetByTestId("progress-percent")).ToHaveTextAsync("100%");
        await Assertions.Expect(page.GetByTestId("deployment-version")).ToHaveTextAsync("2.0.0", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("upgrade-banner")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task FailedUpgrade_ShowsTheAmberBanner_AndTheRollbackPageRestoresThePreviousVersion()
    {
        WriteFlakyCatalog();
        await using var server = await UiServer.StartAsync(_resources, _catalog);
        using var api = await server.AdminApiAsync();
        var id = await ApiSteps.DeployAsync(api, "demo:flaky:web", "1.0.0", _resources.Name("flaky"),
            new() { ["PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture) });

        var page = await _browser.NewPageAsync(server.Address);
        await PageSteps.LoginAsync(page);
        await page.GotoAsync($"/deployments/{id}");
        await page.GetByTestId("upgrade-banner").GetByRole(AriaRole.Button, new() { Name = "Upgrade" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Start upgrade" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("progress-status")).ToHaveTextAsync("Failed", new() { Timeout = 120_000 });

        var amber = page.GetByTestId("rollback-banner");
        await Assertions.Expect(amber).ToContainTextAsync("Rollback available", new() { Timeout = 30_000 });
        await Assertions.Expect(amber).ToContainTextAsync("1.0.0");
        await Browser.ScreenshotAsync(page, "rollback-banner");
        await amber.GetByRole(AriaRole.Link, new() { Name = "Roll back…" }).ClickAsync();

        // The dedicated page asks first and names the version it restores.
        await Assertions.Expect(page.GetByTestId("rollback-target")).ToHaveTextAsync("1.0.0");
        await Browser.ScreenshotAsync(page, "rollback-page");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm rollback to 1.0.0" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("progress-status")).ToHaveTextAsync("Completed", new() { Timeout = 120_000 });
        await Browser.ScreenshotAsync(page, "rollback-progress");

        await page.GotoAsync($"/deployments/{id}");
        await Assertions.Expect(page.GetByTestId("deployment-version")).ToHaveTextAsync("1.0.0");
        await Assertions.Expect(page.Locator(".facts").GetByTestId("health")).ToHaveTextAsync("Healthy", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("rollback-banner")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task RevisionHistory_DiffsTwoRevisions_AndRollsBackToAChosenOne()
    {
        await using var server = await UiServer.StartAsync(_resources, RepositoryPaths.DemoCatalog);
        using var api = await server.AdminApiAsync();
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var id = await ApiSteps.DeployAsync(api, "demo:demo-web:web", "1.0.0", _resources.Name("rev"), new() { ["WEB_PORT"] = port });
        await ApiSteps.DeployAsync(api, "demo:demo-web:web", "1.1.0", _resources.Name("rev"), new() { ["WEB_PORT"] = port, ["LOG_LEVEL"] = "debug" });

        var page = await _browser.NewPageAsync(server.Address);
        await PageSteps.LoginAsync(page);
        await page.GotoAsync($"/deployments/{id}");
        var revisions = page.GetByTestId("revisions");
        await revisions.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        var diff = page.GetByTestId("revision-diff");
        await Assertions.Expect(diff).ToContainTextAsync("1.0.0 → 1.1.0");
        await Assertions.Expect(diff).ToContainTextAsync("LOG_LEVEL");
        await Browser.ScreenshotAsync(page, "revisions-diff");

        await revisions.GetByRole(AriaRole.Link, new() { Name = "Roll back to revision 1" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("rollback-target")).ToHaveTextAsync("1.0.0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm rollback to 1.0.0" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("progress-status")).ToHaveTextAsync("Completed", new() { Timeout = 120_000 });
        await page.GotoAsync($"/deployments/{id}");
        await Assertions.Expect(page.GetByTestId("deployment-version")).ToHaveTextAsync("1.0.0");
    }

    [Fact]
    public async Task Maintenance_StopsTheApp_ButKeepsTheIgnoredServicesRunning()
    {
        await using var server = await UiServer.StartAsync(_resources, RepositoryPaths.DemoCatalog);
        using var api = await server.AdminApiAsync();
        var flag = Path.Combine(Path.GetTempPath(), "tidegate-tests", "flag-" + Guid.NewGuid().ToString("N"));
        var id = await ApiSteps.DeployAsync(api, "demo:demo-maint:shop", "1.0.0", _resources.Name("shop"), new()
        {
            ["WEB_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["MAINTENANCE_FLAG_FILE"] = flag,
        });

        var page = await _browser.NewPageAsync(server.Address);
        await PageSteps.LoginAsync(page);
        await page.GotoAsync($"/deployments/{id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Enter maintenance" }).ClickAsync();
        var services = page.GetByTestId("services");
        await Assertions.Expect(page.Locator(".facts").GetByTestId("health")).ToHaveTextAsync("Maintenance", new() { Timeout = 60_000 });
        await Assertions.Expect(services.GetByRole(AriaRole.Row).Filter(new() { HasText = "-db-" })).ToContainTextAsync("running");
        await Assertions.Expect(services.GetByRole(AriaRole.Row).Filter(new() { HasText = "-cache-" })).ToContainTextAsync("running");
        await Assertions.Expect(services.GetByRole(AriaRole.Row).Filter(new() { HasText = "-app-" })).Not.ToContainTextAsync("running");
        await Assertions.Expect(page.GetByTestId("observer")).ToContainTextAsync("file");
        await Browser.ScreenshotAsync(page, "maintenance-keep-running");

        await page.GetByRole(AriaRole.Button, new() { Name = "Exit maintenance" }).ClickAsync();
        await Assertions.Expect(services.GetByRole(AriaRole.Row).Filter(new() { HasText = "-app-" })).ToContainTextAsync("running", new() { Timeout = 60_000 });
    }

    private void WriteFlakyCatalog()
    {
        foreach (var (version, image) in new[] { ("1.0.0", TestImages.Web100), ("2.0.0", "tidegate-test/missing:2.0.0") })
        {
            var folder = Path.Combine(_catalog, "flaky", version);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "compose.yaml"), $$"""
                x-tidegate:
                  product: flaky
                  productName: Flaky
                  stack: web
                  version: "{{version}}"
                  variables:
                    PORT:
                      type: port
                      required: true
                services:
                  web:
                    image: {{image}}
                    ports:
                      - "127.0.0.1:${PORT}:8080"
                    stop_grace_period: 2s
                """);
        }
    }
}

internal static class ApiSteps
{
    /// <summary>Deploys (or redeploys by name) through the API and waits for the operation to succeed.</summary>
    public static async Task<string> DeployAsync(HttpClient api, string stackId, string version, string name, Dictionary<string, string> variables)
    {
        var environments = await api.GetFromJsonAsync<JsonElement>("/api/environments");
        var environmentId = environments.GetProperty("items")[0].GetProperty("id").GetString();
        using var response = await api.PostAsJsonAsync($"/api/environments/{environmentId}/deployments", new { name, stackId, version, variables });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        var operationId = body.GetProperty("operationId").GetString();
        await Wait.UntilAsync(async ct =>
        {
            var op = await api.GetFromJsonAsync<JsonElement>($"/api/operations/{operationId}", ct);
            var status = op.GetProperty("operation").GetProperty("status").GetString();
            Assert.False(status is "Failed" or "Cancelled", $"deploy of {stackId}@{version} ended {status}: {op}");
            return status == "Succeeded";
        }, $"deploy of {stackId}@{version} to succeed", TimeSpan.FromMinutes(2));
        return body.GetProperty("deploymentId").GetString()!;
    }
}
