using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Server.Tests;

/// <summary>A real `tidegate serve` process is killed with SIGKILL while an upgrade waits for its new containers; a second
/// process on the same data directory reconciles at start. The deployment ends upgraded or restored, says which, and runs.</summary>
public sealed class ServerKillTests(DockerDaemonFixture fixture) : IAsyncLifetime, IClassFixture<DockerDaemonFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly TestResources _resources = new("serverkill");
    private readonly string _root = Directory.CreateTempSubdirectory("tidegate-kill-").FullName;
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Process? _server;

    public async Task InitializeAsync()
    {
        Assert.NotNull(fixture.Endpoint);
        await TestImages.EnsureBuiltAsync(default);
        foreach (var (version, image, extra) in new[] { ("1.0.0", TestImages.Web100, ""), ("1.1.0", TestImages.Web110, "\n      START_DELAY: \"4\"") })
        {
            var folder = Path.Combine(_root, "catalog", "crash", version);
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, "compose.yaml"), $$"""
                x-tidegate:
                  product: crash
                  stack: web
                  version: "{{version}}"
                  variables:
                    PORT:
                      type: port
                      required: true
                services:
                  web:
                    image: {{image}}
                    environment:
                      VERSION: "{{version}}"{{extra}}
                    ports:
                      - "127.0.0.1:${PORT}:8080"
                    healthcheck:
                      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/health"]
                      interval: 1s
                      timeout: 2s
                      retries: 30
                    stop_grace_period: 2s
                """);
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
            _server.Dispose();
        }
        _probe.Dispose();
        await _resources.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task ServerKilledDuringAnUpgrade_IsReconciledAtTheNextStart_ToAConsistentReportedEnd()
    {
        var serverPort = FreePort.Next();
        var appPort = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        using var api = await StartServerAsync(serverPort, login: true);
        var environmentId = (await api.GetFromJsonAsync<JsonElement>("/api/environments")).GetProperty("items")[0].GetProperty("id").GetString()!;
        var deploy = await PostAsync(api, $"/api/environments/{environmentId}/deployments",
            new { name = _resources.Name("app"), stackId = "demo:crash:web", version = "1.0.0", variables = new Dictionary<string, string> { ["PORT"] = appPort } });
        var deploymentId = deploy.GetProperty("deploymentId").GetString()!;
        Assert.Equal("Succeeded", await StatusAsync(api, deploy.GetProperty("operationId").GetString()!, s => s is "Succeeded" or "Failed"));

        var upgrade = await PostAsync(api, $"/api/environments/{environmentId}/deployments/{deploymentId}/upgrade", new { stackId = "demo:crash:web", version = "1.1.0" });
        var operationId = upgrade.GetProperty("operationId").GetString()!;
        // The new container needs 4 s to listen: the upgrade sits in start/verify, the old container is retired but kept.
        await Wait.UntilAsync(async ct => (await OperationAsync(api, operationId)).GetProperty("phase").GetString(), p => p is "verify", "the upgrade verifying", Timeout);
        _server!.Kill();
        await _server.WaitForExitAsync();
        _server.Dispose();
        _server = null;

        using var restarted = await StartServerAsync(serverPort, login: false, token: api.DefaultRequestHeaders.Authorization!.Parameter);
        var outcome = await StatusAsync(restarted, operationId, s => s is not ("Pending" or "Running" or "Interrupted"));

        var operation = await OperationAsync(restarted, operationId);
        Assert.Contains(outcome, new[] { "Succeeded", "RolledBack" });
        Assert.Contains("reconciled", operation.GetProperty("error").GetString(), StringComparison.Ordinal);
        var deployment = (await restarted.GetFromJsonAsync<JsonElement>($"/api/deployments/{deploymentId}")).GetProperty("deployment");
        var version = deployment.GetProperty("version").GetString()!;
        Assert.Equal(outcome == "Succeeded" ? "1.1.0" : "1.0.0", version);
        Assert.Equal("Normal", deployment.GetProperty("mode").GetString());
        await Wait.UntilAsync(async ct =>
        {
            try
            {
                return (await _probe.GetStringAsync(new Uri($"http://127.0.0.1:{appPort}/version"), ct)).Trim();
            }
            catch (HttpRequestException ex)
            {
                return ex.Message;
            }
        }, v => v == version, $"the app answering {version}", Timeout);
        var containers = await DockerCli.RunAsync(["ps", "-a", "--filter", $"label=com.docker.compose.project={_resources.Name("app")}", "--format", "{{.Names}}"], default);
        Assert.Equal([$"{_resources.Name("app")}-web-1"], containers.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private async Task<HttpClient> StartServerAsync(int port, bool login, string? token = null)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "tidegate.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { cli, "serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", Path.Combine(_root, "data"), "--catalog-dir", Path.Combine(_root, "catalog") })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["TIDEGATE_BOOTSTRAP_ADMIN_USER"] = "admin";
        start.Environment["TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD"] = Seed.Password;
        start.Environment[$"TIDEGATE_Engine__Labels__{TestResources.LabelKey}"] = _resources.Id;
        start.Environment["TIDEGATE_Engine__HealthTimeout"] = "00:00:40";
        _server = Process.Start(start)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await Wait.UntilAsync(async ct =>
        {
            try
            {
                using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return HttpStatusCode.ServiceUnavailable;
            }
        }, s => s == HttpStatusCode.OK, "tidegate serve answering /healthz", Timeout);
        if (login)
        {
            var home = Path.Combine(_root, "home");
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = await Cli.CliApp.RunAsync(["login", "--server", client.BaseAddress.ToString(), "--username", "admin"],
                new Cli.Client.CliIO(new StringReader(Seed.Password + "\n"), output, error, n => n == "HOME" ? home : null, Interactive: false));
            Assert.True(code == 0, output.ToString() + error);
            using var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(home, ".config", "tidegate", "config.json")));
            token = config.RootElement.GetProperty("contexts").EnumerateObject().First().Value.GetProperty("token").GetString();
        }
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<JsonElement> PostAsync(HttpClient api, string url, object body)
    {
        using var response = await api.PostAsJsonAsync(new Uri(url, UriKind.Relative), body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> OperationAsync(HttpClient api, string operationId) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/operations/{operationId}")).GetProperty("operation");

    private static Task<string> StatusAsync(HttpClient api, string operationId, Func<string, bool> done) =>
        Wait.UntilAsync(async ct => (await OperationAsync(api, operationId)).GetProperty("status").GetString()!, done, $"operation {operationId}", Timeout);
}
