using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Server.Tests;

/// <summary>The seed's upgrade and rollback routes end to end: a catalog written by the test whose images live only in a real
/// local registry (with credentials), the server on a loopback port and the real engine.</summary>
public sealed class UpgradeApiTests(DockerDaemonFixture fixture) : IAsyncLifetime, IClassFixture<DockerDaemonFixture>
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(120);

    private readonly TestResources _resources = new("upgradeapi");
    private readonly string _catalog = Path.Combine(Path.GetTempPath(), "tidegate-tests", "catalog-" + Guid.NewGuid().ToString("N"));
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly System.Collections.Concurrent.ConcurrentBag<string> _projects = [];
    private LocalRegistry _registry = null!;
    private RealServer _server = null!;
    private Seed _seed = null!;
    private HttpClient _operator = null!;

    public async Task InitializeAsync()
    {
        Assert.NotNull(fixture.Endpoint);
        _registry = await LocalRegistry.StartAsync(default);
        // Pushed and untagged locally: every deploy really pulls from the registry.
        var web100 = await _registry.PushAsync(TestImages.Web100, $"{_resources.Id}/web:1.0.0", default);
        var web200 = await _registry.PushAsync(TestImages.Web200, $"{_resources.Id}/web:2.0.0", default);
        var missing = $"{_registry.Address}/{_resources.Id}/web:9.9.9";
        await WriteStackAsync("upweb", "1.0.0", web100, "LEGACY_MODE:\n      type: string\n", "LEGACY_MODE: ${LEGACY_MODE:-off}");
        await WriteStackAsync("upweb", "2.0.0", web200, "GREETING:\n      type: string\n      required: true\n", "GREETING: ${GREETING}");
        await WriteStackAsync("upfail", "1.0.0", web100, "", "");
        await WriteStackAsync("upfail", "1.1.0", missing, "", "");
        await WriteStackAsync("upfail", "1.2.0", web200, "", "HEALTH_FAIL: \"1\"");

        _server = await RealServer.StartAsync("--DemoCatalog", _catalog, $"--Engine:Labels:{TestResources.LabelKey}", _resources.Id,
            "--Engine:HealthTimeout", "00:00:30");
        _seed = await Seed.CreateAsync(_server.Store);
        _operator = _server.Client(_seed.OperatorToken);
        using (var admin = _server.Client(_seed.AdminToken))
        {
            using var saved = await admin.PutAsJsonAsync(new Uri($"/api/registries/{_registry.Address}", UriKind.Relative),
                new { username = _registry.Username, password = _registry.Password });
            Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        }
        await Wait.UntilAsync(async ct =>
        {
            using var response = await _operator.GetAsync(new Uri("/api/catalog/stacks/demo:upfail:web/versions", UriKind.Relative), ct);
            return response.StatusCode;
        }, s => s == HttpStatusCode.OK, "the test catalog synced");
    }

    public async Task DisposeAsync()
    {
        _operator.Dispose();
        _probe.Dispose();
        await ProjectCleanup.RemoveAsync(_server, _seed.Environment, _projects);
        await _server.DisposeAsync();
        await _resources.DisposeAsync();
        await _registry.DisposeAsync();
        Directory.Delete(_catalog, recursive: true);
    }

    [Fact]
    public async Task Upgrade_1_0_To_2_0_AsksForTheNewRequiredVariable_ThenPullsAndAnswers_AndTheCliRollsBackToRevision1()
    {
        var port = FreePort.Next();
        var (deploymentId, scoped) = await DeployAsync("upweb", "1.0.0", ("PORT", Port(port)), ("LEGACY_MODE", "on"));

        var check = await GetJsonAsync(scoped + "/upgrade/check");
        Assert.Equal((true, true, "1.0.0", "2.0.0", "demo:upweb:web", true), (check.GetProperty("success").GetBoolean(),
            check.GetProperty("upgradeAvailable").GetBoolean(), check.GetProperty("currentVersion").GetString(), check.GetProperty("latestVersion").GetString(),
            check.GetProperty("latestStackId").GetString(), check.GetProperty("canUpgrade").GetBoolean()));
        Assert.Equal(["GREETING"], Strings(check.GetProperty("newVariables")));
        Assert.Equal(["LEGACY_MODE"], Strings(check.GetProperty("removedVariables")));
        Assert.Equal(JsonValueKind.Null, check.GetProperty("cannotUpgradeReason").ValueKind);
        Assert.Equal("https://notes.invalid/upweb/2.0.0", check.GetProperty("newerVersions")[0].GetProperty("releaseNotesUrl").GetString());

        // A new required variable without a value: 400 naming it, and nothing changed.
        using (var rejected = await _operator.PostAsJsonAsync(new Uri(scoped + "/upgrade", UriKind.Relative), new { stackId = "demo:upweb:web" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
            Assert.Contains("GREETING", (await rejected.JsonAsync()).GetProperty("errors").GetProperty("GREETING")[0].GetString(), StringComparison.Ordinal);
        }
        var unchanged = (await GetJsonAsync($"/api/deployments/{deploymentId}")).GetProperty("deployment");
        Assert.Equal(("1.0.0", 1, "Normal"), (unchanged.GetProperty("version").GetString(), unchanged.GetProperty("currentRevision").GetInt32(),
            unchanged.GetProperty("mode").GetString()));
        Assert.Equal("1.0.0", await VersionAsync(port));

        using var upgrade = await _operator.PostAsJsonAsync(new Uri(scoped + "/upgrade", UriKind.Relative),
            new { stackId = "demo:upweb:web", variables = new Dictionary<string, string> { ["GREETING"] = "moin" }, sessionId = "upgrade-session" });
        Assert.Equal(HttpStatusCode.Accepted, upgrade.StatusCode);
        var started = await upgrade.JsonAsync();
        Assert.Equal("upgrade-session", started.GetProperty("sessionId").GetString());
        Assert.Equal("Succeeded", await FinishedAsync(started.GetProperty("operationId").GetString()!));
        // The stored progress, as SSE replays it: the seed's phases with the caller's sessionId, ending completed.
        var events = await _operator.GetStringAsync(new Uri(started.GetProperty("eventsUrl").GetString()!, UriKind.Relative));
        foreach (var phase in new[] { "\"phase\":\"snapshot\"", "\"phase\":\"pull\"", "\"phase\":\"start\"", "\"phase\":\"point-of-no-return\"", "event: completed" })
        {
            Assert.Contains(phase, events, StringComparison.Ordinal);
        }
        Assert.Contains("\"sessionId\":\"upgrade-session\"", events, StringComparison.Ordinal);

        Assert.Equal("2.0.0", await VersionAsync(port));
        var detail = await GetJsonAsync($"/api/deployments/{deploymentId}");
        Assert.Equal(("2.0.0", "Normal"), (detail.GetProperty("deployment").GetProperty("version").GetString(), detail.GetProperty("deployment").GetProperty("mode").GetString()));
        var variables = detail.GetProperty("variables").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ToList();
        Assert.Contains("GREETING", variables);
        Assert.DoesNotContain("LEGACY_MODE", variables);
        Assert.StartsWith($"{_registry.Address}/{_resources.Id}/web@sha256:",
            detail.GetProperty("services")[0].GetProperty("containers")[0].GetProperty("imageDigest").GetString(), StringComparison.Ordinal);
        var modes = (await GetJsonAsync($"/api/deployments/{deploymentId}/operation-mode/history")).GetProperty("items").EnumerateArray()
            .Select(c => c.GetProperty("to").GetString()).Reverse().ToList();
        Assert.Equal(["Migrating", "Normal"], modes);
        var after = await GetJsonAsync(scoped + "/upgrade/check");
        Assert.Equal((false, false, "No newer version available"), (after.GetProperty("upgradeAvailable").GetBoolean(),
            after.GetProperty("canUpgrade").GetBoolean(), after.GetProperty("cannotUpgradeReason").GetString()));

        // Beyond the seed: back to revision 1 from the CLI, with its values (LEGACY_MODE) restored.
        var home = Path.Combine(Path.GetTempPath(), "tidegate-cli-tests", Guid.NewGuid().ToString("N"));
        try
        {
            Assert.Equal(0, (await CliAsync(home, Seed.Password + "\n", "login", "--server", _server.Address.ToString(), "--username", "operator")).Code);
            var noConfirmation = await CliAsync(home, "", "rollback", deploymentId, "--to-revision", "1");
            Assert.Equal(2, noConfirmation.Code);
            var rollback = await CliAsync(home, "", "rollback", deploymentId, "--to-revision", "1", "--yes", "--wait");
            Assert.True(rollback.Code == 0, rollback.Out + rollback.Error);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
        Assert.Equal("1.0.0", await VersionAsync(port));
        detail = await GetJsonAsync($"/api/deployments/{deploymentId}");
        Assert.Equal(("1.0.0", 3), (detail.GetProperty("deployment").GetProperty("version").GetString(), detail.GetProperty("deployment").GetProperty("currentRevision").GetInt32()));
        Assert.Contains(detail.GetProperty("variables").EnumerateArray(), v => v.GetProperty("name").GetString() == "LEGACY_MODE" && v.GetProperty("value").GetString() == "on");
    }

    [Fact]
    public async Task FailedUpgrades_KeepTheOldVersionAnswering_RollBackAutomatically_AndOfferTheSeedRollback()
    {
        var port = FreePort.Next();
        var (deploymentId, scoped) = await DeployAsync("upfail", "1.0.0", ("PORT", Port(port)));

        // A tag missing from the registry: the pull fails before anything is touched; the old version answers throughout.
        using var probing = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var failures = ProbeUntilCancelledAsync(port, probing.Token);
        var missing = await StartAsync(scoped + "/upgrade", new { stackId = "demo:upfail:web", version = "1.1.0" });
        var outcome = await FinishedAsync(missing);
        await probing.CancelAsync();
        var (ok, failed) = await failures;
        Assert.StartsWith("RolledBack: Pull of", outcome, StringComparison.Ordinal);
        Assert.True(ok > 0 && failed == 0, $"{failed} of {ok + failed} requests failed during the failed upgrade");
        var info = await GetJsonAsync(scoped + "/rollback");
        Assert.Equal((true, "1.0.0", "Before upgrade to v1.1.0"), (info.GetProperty("canRollback").GetBoolean(),
            info.GetProperty("rollbackTargetVersion").GetString(), info.GetProperty("snapshotDescription").GetString()));
        Assert.Equal("Normal", (await GetJsonAsync($"/api/deployments/{deploymentId}")).GetProperty("deployment").GetProperty("mode").GetString());

        // A new version whose health check fails: started, verified unhealthy, rolled back from the kept containers.
        var sick = await StartAsync(scoped + "/upgrade", new { stackId = "demo:upfail:web", version = "1.2.0" });
        outcome = await FinishedAsync(sick);
        Assert.StartsWith("RolledBack:", outcome, StringComparison.Ordinal);
        Assert.Contains("unhealthy", outcome, StringComparison.Ordinal);
        Assert.Equal("1.0.0", await VersionAsync(port));

        // The seed's rollback from the amber banner: POST with only a sessionId.
        var rollback = await StartAsync(scoped + "/rollback", new { sessionId = "rollback-session" });
        Assert.Equal("Succeeded", await FinishedAsync(rollback));
        Assert.False((await GetJsonAsync(scoped + "/rollback")).GetProperty("canRollback").GetBoolean());
        Assert.Equal("1.0.0", await VersionAsync(port));
    }

    [Fact]
    public async Task StoppedDeployment_CannotUpgrade_WithTheSeedsReason()
    {
        var port = FreePort.Next();
        var (deploymentId, scoped) = await DeployAsync("upweb", "1.0.0", ("PORT", Port(port)));
        using (var stop = await _operator.PostAsJsonAsync(new Uri($"/api/deployments/{deploymentId}/stop", UriKind.Relative), new { }))
        {
            Assert.Equal("Succeeded", await FinishedAsync((await stop.JsonAsync()).GetProperty("operationId").GetString()!));
        }

        var check = await GetJsonAsync(scoped + "/upgrade/check");
        using var upgrade = await _operator.PostAsJsonAsync(new Uri(scoped + "/upgrade", UriKind.Relative),
            new { stackId = "demo:upweb:web", variables = new Dictionary<string, string> { ["GREETING"] = "x" } });
        using var rollbackToNothing = await _operator.PostAsJsonAsync(new Uri(scoped + "/rollback", UriKind.Relative), new { toRevision = 0 });

        Assert.Equal((true, false, "Deployment must be running"), (check.GetProperty("upgradeAvailable").GetBoolean(),
            check.GetProperty("canUpgrade").GetBoolean(), check.GetProperty("cannotUpgradeReason").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, upgrade.StatusCode);
        Assert.Equal("Deployment must be running", (await upgrade.JsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, rollbackToNothing.StatusCode);
        Assert.Equal(1, (await GetJsonAsync($"/api/deployments/{deploymentId}")).GetProperty("deployment").GetProperty("currentRevision").GetInt32());
    }

    private async Task WriteStackAsync(string product, string version, string image, string variables, string environment)
    {
        var folder = Path.Combine(_catalog, product, version);
        Directory.CreateDirectory(folder);
        var env = environment.Length == 0 ? "" : "\n      " + environment;
        var vars = variables.Length == 0 ? "" : "    " + variables.Replace("\n", "\n    ", StringComparison.Ordinal).TrimEnd();
        await File.WriteAllTextAsync(Path.Combine(folder, "compose.yaml"), $$"""
            x-tidegate:
              product: {{product}}
              stack: web
              version: "{{version}}"
              releaseNotes: https://notes.invalid/{{product}}/{{version}}
              variables:
                PORT:
                  type: port
                  required: true
            {{vars}}
            services:
              web:
                image: {{image}}
                environment:
                  VERSION: "{{version}}"{{env}}
                ports:
                  - "127.0.0.1:${PORT}:8080"
                healthcheck:
                  test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/health"]
                  interval: 1s
                  timeout: 2s
                  retries: 2
                stop_grace_period: 2s
            """);
    }

    private async Task<(string DeploymentId, string Scoped)> DeployAsync(string product, string version, params (string Key, string Value)[] variables)
    {
        var name = _resources.Name(product);
        _projects.Add(name);
        using var response = await _operator.PostAsJsonAsync(new Uri($"/api/environments/{_seed.Environment.Id}/deployments", UriKind.Relative),
            new { name, stackId = $"demo:{product}:web", version, variables = variables.ToDictionary(v => v.Key, v => v.Value) });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var body = await response.JsonAsync();
        Assert.Equal("Succeeded", await FinishedAsync(body.GetProperty("operationId").GetString()!));
        var id = body.GetProperty("deploymentId").GetString()!;
        return (id, $"/api/environments/{_seed.Environment.Id}/deployments/{id}");
    }

    private async Task<string> StartAsync(string url, object body)
    {
        using var response = await _operator.PostAsJsonAsync(new Uri(url, UriKind.Relative), body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.JsonAsync()).GetProperty("operationId").GetString()!;
    }

    private async Task<JsonElement> GetJsonAsync(string url)
    {
        using var response = await _operator.GetAsync(new Uri(url, UriKind.Relative));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    private Task<string> FinishedAsync(string operationId) => Wait.UntilAsync(async ct =>
    {
        var detail = await (await _operator.GetAsync(new Uri($"/api/operations/{operationId}", UriKind.Relative), ct)).JsonAsync();
        var operation = detail.GetProperty("operation");
        return operation.GetProperty("status").GetString() + (operation.GetProperty("error").GetString() is { } error ? ": " + error : string.Empty);
    }, s => s is not ("Pending" or "Running"), $"operation {operationId} finished", OperationTimeout);

    private async Task<string> VersionAsync(int port) => (await _probe.GetStringAsync(new Uri($"http://127.0.0.1:{Port(port)}/version"))).Trim();

    /// <summary>Requests the app until cancelled (bounded by the caller's timeout), counting answers and failures.</summary>
    private async Task<(int Ok, int Failed)> ProbeUntilCancelledAsync(int port, CancellationToken ct)
    {
        var (ok, failed) = (0, 0);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var response = await _probe.GetAsync(new Uri($"http://127.0.0.1:{Port(port)}/version"), ct);
                if (response.IsSuccessStatusCode)
                {
                    ok++;
                }
                else
                {
                    failed++;
                }
            }
            catch (HttpRequestException)
            {
                failed++;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            await Task.Yield();
        }
        return (ok, failed);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static List<string?> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];

    private static async Task<(int Code, string Out, string Error)> CliAsync(string home, string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Cli.CliApp.RunAsync(args, new Cli.Client.CliIO(new StringReader(stdin), output, error, n => n == "HOME" ? home : null, Interactive: false));
        return (code, output.ToString(), error.ToString());
    }
}
