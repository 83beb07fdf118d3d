using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Server.Tests;

/// <summary>A real `tidegate serve` process is killed with SIGKILL at every step of an operation (Engine:KillAtStep: the process
/// kills itself right after the step is journaled as begun); a second process on the same data directory reconciles at start.
/// The operation ends in a consistent, reported state: upgraded or restored (saying which and where it was interrupted), the
/// app answers the version that runs, and no retired or half-made container is left.</summary>
public sealed class ServerKillTests(DockerDaemonFixture fixture) : IAsyncLifetime, IClassFixture<DockerDaemonFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly TestResources _resources = new("serverkill");
    private readonly string _root = Directory.CreateTempSubdirectory("tidegate-kill-").FullName;
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private LocalRegistry _registry = null!;
    private Process? _server;

    /// <summary>Step to kill at, the operation's expected end, the version that runs afterwards.</summary>
    public static TheoryData<string, string, string> Kills => new()
    {
        { "Deploy:create", "Failed", "" },
        { "Deploy:verify", "Succeeded", "1.0.0" },
        { "Upgrade:snapshot", "RolledBack", "1.0.0" },
        { "Upgrade:pull", "RolledBack", "1.0.0" },
        { "Upgrade:revision", "RolledBack", "1.0.0" },
        { "Upgrade:retire", "RolledBack", "1.0.0" },
        { "Upgrade:create", "RolledBack", "1.0.0" },
        { "Upgrade:start", "RolledBack", "1.0.0" },
        { "Upgrade:verify", "Succeeded", "1.1.0" },
        { "Upgrade:commit", "Succeeded", "1.1.0" },
        // Between the commit's record and the removal of the retired containers: the record decides, never a restore.
        { "Upgrade:remove-retired", "Succeeded", "1.1.0" },
        { "Upgrade:restore", "RolledBack", "1.0.0" },
        { "Rollback:retire", "RolledBack", "1.1.0" },
        { "Rollback:commit", "Succeeded", "1.0.0" },
        { "Rollback:remove-retired", "Succeeded", "1.0.0" },
    };

    public async Task InitializeAsync()
    {
        Assert.NotNull(fixture.Endpoint);
        await TestImages.EnsureBuiltAsync(default);
        _registry = await LocalRegistry.StartAsync(default);
        // 1.1.0 and 1.2.0 come from the registry (pushed, untagged locally): each upgrade really has a pull step.
        var versions = new[]
        {
            ("1.0.0", TestImages.Web100, ""),
            ("1.1.0", await _registry.PushAsync(TestImages.Web110, $"{_resources.Id}/web:1.1.0", default), ""),
            ("1.2.0", await _registry.PushAsync(TestImages.Web200, $"{_resources.Id}/web:1.2.0", default), "\n      HEALTH_FAIL: \"1\""),
        };
        foreach (var (version, image, extra) in versions)
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
                      retries: 3
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
        await _registry.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [MemberData(nameof(Kills))]
    public async Task ServerKilledAtAStep_IsReconciledAtTheNextStart_ToAConsistentReportedEnd(string killAt, string expected, string runningVersion)
    {
        var step = killAt[(killAt.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var serverPort = FreePort.Next();
        var appPort = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var project = _resources.Name("app");
        using var api = await StartServerAsync(serverPort, login: true, killAt: killAt);
        var environmentId = (await api.GetFromJsonAsync<JsonElement>("/api/environments")).GetProperty("items")[0].GetProperty("id").GetString()!;
        var deployments = $"/api/environments/{environmentId}/deployments";
        var deploy = await PostAsync(api, deployments,
            new { name = project, stackId = "demo:crash:web", version = "1.0.0", variables = new Dictionary<string, string> { ["PORT"] = appPort } });
        var deploymentId = deploy.GetProperty("deploymentId").GetString()!;
        var operationId = deploy.GetProperty("operationId").GetString()!;
        if (!killAt.StartsWith("Deploy:", StringComparison.Ordinal))
        {
            Assert.Equal("Succeeded", await StatusAsync(api, operationId, s => s is "Succeeded" or "Failed"));
            // Upgrade:restore needs an upgrade that fails its health check (1.2.0), so the automatic rollback begins.
            var upgradeTo = killAt == "Upgrade:restore" ? "1.2.0" : "1.1.0";
            operationId = (await PostAsync(api, $"{deployments}/{deploymentId}/upgrade", new { stackId = "demo:crash:web", version = upgradeTo }))
                .GetProperty("operationId").GetString()!;
            if (killAt.StartsWith("Rollback:", StringComparison.Ordinal))
            {
                Assert.Equal("Succeeded", await StatusAsync(api, operationId, s => s is "Succeeded" or "Failed" or "RolledBack"));
                operationId = (await PostAsync(api, $"{deployments}/{deploymentId}/rollback", new { reason = "crash test" })).GetProperty("operationId").GetString()!;
            }
        }

        // The process kills itself at the step: proof that the operation really got there.
        await Wait.UntilAsync(_ => Task.FromResult(_server!.HasExited), $"the server killing itself at {killAt}", Timeout);
        Assert.Equal(137, _server!.ExitCode);
        _server.Dispose();
        _server = null;

        using var restarted = await StartServerAsync(serverPort, login: false, token: api.DefaultRequestHeaders.Authorization!.Parameter);
        var outcome = await StatusAsync(restarted, operationId, s => s is not ("Pending" or "Running" or "Interrupted"));

        var operation = await OperationAsync(restarted, operationId);
        var error = operation.GetProperty("error").GetString();
        Assert.True(outcome == expected, $"{killAt}: {outcome}, expected {expected}: {error}");
        Assert.Contains($"interrupted at step {step}; reconciled", error, StringComparison.Ordinal);
        var containers = await DockerCli.RunAsync(["ps", "-a", "--filter", $"label=com.docker.compose.project={project}", "--format", "{{.Names}}"], default);
        if (runningVersion.Length == 0)
        {
            Assert.Empty(containers.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            return;
        }

        var deployment = (await restarted.GetFromJsonAsync<JsonElement>($"/api/deployments/{deploymentId}")).GetProperty("deployment");
        Assert.Equal((runningVersion, "Normal"), (deployment.GetProperty("version").GetString(), deployment.GetProperty("mode").GetString()));
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
        }, v => v == runningVersion, $"the app answering {runningVersion}", Timeout);
        Assert.Equal([$"{project}-web-1"], containers.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private async Task<HttpClient> StartServerAsync(int port, bool login, string? token = null, string? killAt = null)
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
        if (killAt is not null)
        {
            start.Environment["TIDEGATE_Engine__KillAtStep"] = killAt;
        }

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
        if (login)
        {
            using var saved = await client.PutAsJsonAsync(new Uri($"/api/registries/{_registry.Address}", UriKind.Relative),
                new { username = _registry.Username, password = _registry.Password });
            Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        }

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
