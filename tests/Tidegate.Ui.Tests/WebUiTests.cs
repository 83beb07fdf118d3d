using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Tidegate.TestKit;

namespace Tidegate.Ui.Tests;

/// <summary>End to end in headless Chromium against the real server and the real Docker engine: log in,
/// deploy demo-web 1.0.0 from the catalog through the generated form, see it healthy on the detail page,
/// switch maintenance on and off, restart it with live progress, and use the UI in German, dark and at tablet width. Screenshots of the
/// main screens go to artifacts/screenshots/.</summary>
public sealed partial class WebUiTests(DockerDaemonFixture docker) : IClassFixture<DockerDaemonFixture>, IAsyncLifetime
{
    private readonly TestResources _resources = new("ui");
    private UiServer _server = null!;
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.NotNull(docker.Endpoint);
        _server = await UiServer.StartAsync(_resources, RepositoryPaths.DemoCatalog);
        _browser = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _server.DisposeAsync();
        await _resources.DisposeAsync();
    }

    [Fact]
    public async Task DeployDemoWeb_SeeItHealthy_AndSwitchMaintenanceOnAndOff()
    {
        var page = await _browser.NewPageAsync(_server.Address);
        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Tidegate" })).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "login");
        await PageSteps.LoginAsync(page);

        // Catalog: product, versions, release notes, variables; deploy 1.0.0 from there.
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Catalog" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "web", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "1.0.0", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "1.0.0" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Release notes" }).First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "LEGACY_MODE" })).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "catalog");
        await page.GetByRole(AriaRole.Link, new() { Name = "Deploy this version" }).ClickAsync();

        // The generated form: a bad port is refused per field before anything is sent.
        var name = _resources.Name("web");
        var port = FreePort.Next();
        await page.GetByLabel("Deployment name").FillAsync(name);
        var portField = page.Locator("#var-WEB_PORT");
        await portField.FillAsync("70000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Deploy", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#var-WEB_PORT-err")).ToContainTextAsync("between 1 and 65535");
        await Assertions.Expect(portField).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#var-ADMIN_TOKEN")).ToHaveAttributeAsync("type", "password");
        await portField.FillAsync(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#var-ADMIN_TOKEN").FillAsync("s3cret-admin-token");
        await Browser.ScreenshotAsync(page, "deploy-form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Deploy", Exact = true }).ClickAsync();

        // Detail: live progress, then healthy with the container, its state and port.
        await Assertions.Expect(page.GetByTestId("deployment-name")).ToHaveTextAsync(name);
        await Assertions.Expect(page.GetByTestId("progress")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".facts").GetByTestId("health")).ToHaveTextAsync("Healthy", new() { Timeout = 120_000 });
        var services = page.GetByTestId("services");
        await Assertions.Expect(services).ToContainTextAsync("running");
        await Assertions.Expect(services).ToContainTextAsync(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(services).ToContainTextAsync("tidegate-test/web:1.0.0");
        await Assertions.Expect(page.GetByTestId("deployment-version")).ToHaveTextAsync("1.0.0");
        await Assertions.Expect(page.Locator(".vars")).ToContainTextAsync("••••••", new() { UseInnerText = false });
        await Assertions.Expect(page.GetByTestId("progress-status")).ToHaveTextAsync("Completed", new() { Timeout = 120_000 });
        await Assertions.Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync("100%");
        await Browser.ScreenshotAsync(page, "deployment-detail");
        Assert.DoesNotContain("s3cret-admin-token", await page.ContentAsync(), StringComparison.Ordinal);

        // Maintenance on: the mode badge and the mode history say so; then off again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Enter maintenance" }).ClickAsync();
        await Assertions.Expect(page.Locator(".facts").GetByTestId("mode")).ToContainTextAsync("Maintenance");
        await Assertions.Expect(page.GetByTestId("mode-history")).ToContainTextAsync("Maintenance");
        await Browser.ScreenshotAsync(page, "maintenance");
        await page.GetByRole(AriaRole.Button, new() { Name = "Exit maintenance" }).ClickAsync();
        await Assertions.Expect(page.Locator(".facts").GetByTestId("mode")).ToContainTextAsync("Normal");
        await Assertions.Expect(page.GetByTestId("mode-history").Locator("tbody tr")).ToHaveCountAsync(2);

        // The mode switch with a reason, through the mode panel.
        await page.GetByLabel("New mode").SelectOptionAsync("Maintenance");
        await page.GetByLabel("Reason").FillAsync("weekly backup");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change mode" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("mode-history")).ToContainTextAsync("weekly backup");
        await page.GetByRole(AriaRole.Button, new() { Name = "Exit maintenance" }).ClickAsync();
        await Assertions.Expect(page.Locator(".facts").GetByTestId("mode")).ToContainTextAsync("Normal");

        // A lifecycle action subscribes first, then starts; its progress runs live to the end.
        await page.GetByRole(AriaRole.Button, new() { Name = "Restart" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Restart started." })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("progress").GetByTestId("live-indicator")).ToHaveTextAsync("Live");
        await Assertions.Expect(page.GetByTestId("progress-status")).ToHaveTextAsync("Completed", new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator(".facts").GetByTestId("health")).ToHaveTextAsync("Healthy", new() { Timeout = 120_000 });

        // Overview: the deployment with version, mode, health and last operation; the search filters it.
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Overview" }).ClickAsync();
        var row = page.GetByTestId("deployments").GetByRole(AriaRole.Row).Filter(new() { HasText = name });
        await Assertions.Expect(row).ToContainTextAsync("1.0.0");
        await Assertions.Expect(row).ToContainTextAsync("Healthy");
        await Assertions.Expect(row).ToContainTextAsync("Restart · Succeeded");
        await Browser.ScreenshotAsync(page, "overview");
        await page.GetByRole(AriaRole.Searchbox).FillAsync("no-such-deployment");
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Searchbox).FillAsync(name);
        await Assertions.Expect(row).ToHaveCountAsync(1);

        // German, kept across a reload; dark; tablet width.
        await page.GetByLabel("Language").SelectOptionAsync("de");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Übersicht" })).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Katalog" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "de");
        await page.GetByLabel("Farbschema").SelectOptionAsync("dark");
        await page.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Assertions.Expect(page.GetByText("Services und Container")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "deployment-detail-de-dark");
        await page.SetViewportSizeAsync(820, 1180);
        await Browser.ScreenshotAsync(page, "deployment-detail-tablet");
    }

    [Fact]
    public async Task KeyboardOnly_LogsIn_AndWrongPasswordIsReported()
    {
        var page = await _browser.NewPageAsync(_server.Address, locale: "de-DE");
        await page.GotoAsync("/deployments/whatever");
        // The browser language decides the first language.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Bei Tidegate anmelden" })).ToBeVisibleAsync();
        await page.GetByLabel("Benutzername").FocusAsync();
        await page.Keyboard.TypeAsync(UiServer.AdminUser);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("wrong-password-here");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Anmeldung fehlgeschlagen");
        await page.GetByLabel("Passwort").FillAsync(UiServer.AdminPassword);
        await page.Keyboard.PressAsync("Enter");
        // After login the deep link is kept (client-side route served by the SPA fallback).
        await Assertions.Expect(page).ToHaveURLAsync(DeepLink());
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Hauptnavigation" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheServer_ServesTheApp_ButApiRoutesKeepTheirProblems()
    {
        using var http = new HttpClient { BaseAddress = _server.Address };
        using var page = await http.GetAsync("/catalog");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"root\">", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var api = await http.GetAsync("/api/no-such-thing");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);

        using var admin = await _server.AdminApiAsync();
        using var missing = await admin.GetAsync("/api/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [GeneratedRegex("/deployments/whatever$")]
    private static partial Regex DeepLink();
}
