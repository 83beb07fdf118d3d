using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using Tidegate.Server;
using Tidegate.TestKit;

namespace Tidegate.Ui.Tests;

/// <summary>The real server on a loopback port serving the built UI (src/Tidegate.Server/wwwroot), with a
/// bootstrap admin, its own data directory, and every engine resource labelled with the test's label.</summary>
public sealed class UiServer : IAsyncDisposable
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "ui-test-password-1";

    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private UiServer(WebApplication app, string dataDirectory)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        Address = new Uri(app.Urls.First());
    }

    public Uri Address { get; }

    public static string WebRoot => Path.Combine(RepositoryPaths.Root, "src", "Tidegate.Server", "wwwroot");

    public static async Task<UiServer> StartAsync(TestResources resources, string catalog)
    {
        if (!File.Exists(Path.Combine(WebRoot, "index.html")))
        {
            throw new InvalidOperationException($"The web UI is not built ({WebRoot}/index.html is missing): run 'npm ci && npm run build' in ui/ (scripts/test.sh does).");
        }
        var dir = Path.Combine(Path.GetTempPath(), "tidegate-tests", "ui-" + Guid.NewGuid().ToString("N"));
        var app = ServerHost.Build([
            "--urls", "http://127.0.0.1:0", "--DataDirectory", dir, "--DemoCatalog", catalog, "--WebRoot", WebRoot,
            "--BootstrapAdminUser", AdminUser, "--BootstrapAdminPassword", AdminPassword,
            "--Security:LoginPermitLimit", "1000", $"--Engine:Labels:{TestResources.LabelKey}", resources.Id,
            "--Engine:HealthTimeout", "00:01:00",
        ]);
        await app.StartAsync();
        return new UiServer(app, dir);
    }

    /// <summary>An API client with a fresh admin token (for setup steps the test does not look at).</summary>
    public async Task<HttpClient> AdminApiAsync()
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.PostAsJsonAsync("/api/auth/token", new { username = AdminUser, password = AdminPassword, tokenName = "ui-test" });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // best effort; the directory is unique
        }
    }
}

/// <summary>Headless Chromium from Debian's chromium package, driven by Playwright without any browser download.</summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Instance = browser;
    }

    public IBrowser Instance { get; }

    public static string Screenshots { get; } = Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");

    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing; install Debian's chromium package (scripts/test.sh does).");
        }
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Tests run as root in CI: Chromium's sandbox needs an unprivileged user.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
        return new Browser(playwright, browser);
    }

    /// <summary>A fresh context (own cookies and storage) with an English browser language.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress, string locale = "en-US", int width = 1366, int height = 900)
    {
        var context = await Instance.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString().TrimEnd('/'),
            Locale = locale,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        await page.EvaluateAsync("window.scrollTo(0, 0)"); // the sticky header belongs at the top of a full-page shot
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await Instance.DisposeAsync();
        _playwright.Dispose();
    }
}

internal static class PageSteps
{
    public static async Task LoginAsync(IPage page, string user = UiServer.AdminUser, string password = UiServer.AdminPassword)
    {
        await page.GotoAsync("/");
        await page.GetByLabel("Username").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
    }
}
