using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Secrets;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Server.Tests;

/// <summary>Revisions, diff, metadata and logs of deployments the real engine ran: two versions of a web stack deployed one
/// after the other under one name, then read through the API and the CLI.</summary>
public sealed class DeploymentHistoryAndLogsTests(DockerDaemonFixture fixture) : IAsyncLifetime, IClassFixture<DockerDaemonFixture>
{
    private const string StackId = "demo:history:web";
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(90);

    private readonly TestResources _resources = new("history");
    private readonly string _catalog = Path.Combine(Path.GetTempPath(), "tidegate-tests", "catalog-" + Guid.NewGuid().ToString("N"));
    private readonly string _home = Path.Combine(Path.GetTempPath(), "tidegate-cli-tests", Guid.NewGuid().ToString("N"));
    private readonly List<string> _projects = [];
    private RealServer _server = null!;
    private Seed _seed = null!;
    private HttpClient _operator = null!;

    public async Task InitializeAsync()
    {
        Assert.NotNull(fixture.Endpoint);
        foreach (var (version, image) in new[] { ("1.0.0", TestImages.Web100), ("2.0.0", TestImages.Web200) })
        {
            var folder = Path.Combine(_catalog, "history", version);
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, "compose.yaml"), $$"""
                x-tidegate:
                  product: history
                  productName: History
                  stack: web
                  version: "{{version}}"
                  variables:
                    PORT:
                      type: port
                      required: true
                    API_KEY:
                      type: secret
                services:
                  web:
                    image: {{image}}
                    environment:
                      API_KEY: "${API_KEY}"
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
        _server = await RealServer.StartAsync("--DemoCatalog", _catalog, $"--Engine:Labels:{TestResources.LabelKey}", _resources.Id,
            "--Engine:HealthTimeout", "00:00:45");
        _seed = await Seed.CreateAsync(_server.Store);
        _operator = _server.Client(_seed.OperatorToken);
        await Wait.UntilAsync(async ct =>
        {
            using var response = await _operator.GetAsync($"/api/catalog/stacks/{StackId}/versions", ct);
            return response.StatusCode;
        }, s => s == HttpStatusCode.OK, "the test catalog synced");
        Assert.Equal(0, (await CliAsync(Seed.Password + "\n", "login", "--server", _server.Address.ToString(), "--username", "operator")).Code);
    }

    public async Task DisposeAsync()
    {
        _operator.Dispose();
        using (var docker = _server.Services.GetRequiredService<IDockerEngineFactory>().Open(_seed.Environment))
        {
            foreach (var project in _projects)
            {
                foreach (var container in await docker.ContainersAsync([EngineLabels.Filter(EngineLabels.Project, project)], default))
                {
                    await docker.ContainerRemoveAsync(container.Id, default);
                }
            }
        }
        await _server.DisposeAsync();
        await _resources.DisposeAsync();
        Directory.Delete(_catalog, recursive: true);
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    [Fact]
    public async Task TwoDeploys_LeaveTwoRevisions_WhoseDiffAndMetadataTheApiAndCliShow_WithoutSecrets()
    {
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var name = Project("hist");
        var id = await DeployAsync(name, "1.0.0", port, "first-secret-value");
        Assert.Equal(id, await DeployAsync(name, "2.0.0", port, "second-secret-value"));

        var list = await GetAsync($"/api/deployments/{id}/revisions");
        Assert.Equal([(2, true, "2.0.0", "Succeeded"), (1, false, "1.0.0", "Succeeded")], list.GetProperty("items").EnumerateArray()
            .Select(r => (r.GetProperty("number").GetInt32(), r.GetProperty("current").GetBoolean(), r.GetProperty("version").GetString(), r.GetProperty("outcome").GetString())));

        var rawDiff = await _operator.GetStringAsync(new Uri($"/api/deployments/{id}/revisions/diff?from=1&to=2", UriKind.Relative));
        var rawDetail = await _operator.GetStringAsync(new Uri($"/api/deployments/{id}/revisions/1", UriKind.Relative));
        foreach (var raw in new[] { rawDiff, rawDetail })
        {
            Assert.DoesNotContain("first-secret-value", raw, StringComparison.Ordinal);
            Assert.DoesNotContain("second-secret-value", raw, StringComparison.Ordinal);
        }
        var diff = JsonDocument.Parse(rawDiff).RootElement;
        Assert.Equal("2.0.0", diff.GetProperty("version").GetProperty("to").GetString());
        var image = Assert.Single(diff.GetProperty("images").EnumerateArray());
        Assert.Equal("web", image.GetProperty("service").GetString());
        Assert.StartsWith(TestImages.Web100 + "@sha256:", image.GetProperty("from").GetString(), StringComparison.Ordinal);
        Assert.StartsWith(TestImages.Web200 + "@sha256:", image.GetProperty("to").GetString(), StringComparison.Ordinal);
        var apiKey = Assert.Single(diff.GetProperty("variables").EnumerateArray());
        Assert.Equal(("API_KEY", "changed", Masked.Value, true), (apiKey.GetProperty("name").GetString(), apiKey.GetProperty("change").GetString(),
            apiKey.GetProperty("to").GetString(), apiKey.GetProperty("secret").GetBoolean()));
        Assert.Contains($"\n-    image: {TestImages.Web100}\n+    image: {TestImages.Web200}\n", diff.GetProperty("definition").GetString(), StringComparison.Ordinal);
        Assert.Contains(TestImages.Web100, JsonDocument.Parse(rawDetail).RootElement.GetProperty("definition").GetString(), StringComparison.Ordinal);

        var metadata = (await GetAsync($"/api/deployments/{id}/metadata")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([2, 1], metadata.Select(m => m.GetProperty("revision").GetInt32()));
        Assert.Equal(("2.0.0", "ok", "ok", "healthy"), (metadata[0].GetProperty("version").GetString(), metadata[0].GetProperty("pullResult").GetString(),
            metadata[0].GetProperty("deployResult").GetString(), metadata[0].GetProperty("healthResult").GetString()));
        Assert.StartsWith("sha256:", metadata[0].GetProperty("images").GetProperty(TestImages.Web200).GetString()!.Split('@')[^1], StringComparison.Ordinal);

        var revisions = await CliAsync("", "revisions", id);
        var show = await CliAsync("", "revisions", "show", id, "1");
        var cliDiff = await CliAsync("", "revisions", "diff", id, "1", "2");
        var cliMetadata = await CliAsync("", "metadata", id, "--output", "json");
        Assert.True(revisions.Code + show.Code + cliDiff.Code + cliMetadata.Code == 0, revisions.Error + show.Error + cliDiff.Error + cliMetadata.Error);
        Assert.Matches(@"(?m)^\*\s+2\s+2\.0\.0\s+Succeeded", revisions.Out);
        Assert.Contains("revision 1: demo:history:web 1.0.0, Succeeded", show.Out, StringComparison.Ordinal);
        Assert.Contains("image: " + TestImages.Web100, show.Out, StringComparison.Ordinal);
        Assert.Contains("version: 1.0.0 -> 2.0.0", cliDiff.Out, StringComparison.Ordinal);
        Assert.Contains("variable API_KEY changed (secret)", cliDiff.Out, StringComparison.Ordinal);
        Assert.Contains("+    image: " + TestImages.Web200, cliDiff.Out, StringComparison.Ordinal);
        Assert.Equal(2, JsonDocument.Parse(cliMetadata.Out).RootElement.GetProperty("total").GetInt64());
        foreach (var output in new[] { revisions.Out, show.Out, cliDiff.Out, cliMetadata.Out })
        {
            Assert.DoesNotContain("secret-value", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Logs_TailShowsBothStreams_FollowStreamsNewLines_AndEndsWhenTheContainerStops()
    {
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var project = Project("logs");
        var id = await DeployAsync(project, "1.0.0", port, "k");
        using var probe = new HttpClient();
        Assert.Equal("1.0.0", (await probe.GetStringAsync(new Uri($"http://127.0.0.1:{port}/version"))).Trim());

        // The web app writes "listening" to stdout and one line per request (the health checks, our probe) to stderr.
        var lines = await Wait.UntilAsync(async ct => (await GetAsync($"/api/deployments/{id}/logs?tail=100", ct)).GetProperty("lines").EnumerateArray().ToList(),
            l => l.Any(x => x.GetProperty("text").GetString()!.Contains("GET /version", StringComparison.Ordinal)), "the probe's request in the logs");
        var listening = Assert.Single(lines, l => l.GetProperty("text").GetString() == "web 1.0.0: listening on 8080");
        Assert.Equal(("web", "stdout"), (listening.GetProperty("service").GetString(), listening.GetProperty("stream").GetString()));
        Assert.Contains(lines, l => l.GetProperty("stream").GetString() == "stderr" && l.GetProperty("text").GetString()!.StartsWith("GET /health", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.GetProperty("timestamp").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5)));
        Assert.Equal(lines.Select(l => l.GetProperty("timestamp").GetDateTimeOffset()).Order(), lines.Select(l => l.GetProperty("timestamp").GetDateTimeOffset()));
        Assert.Equal(3, (await GetAsync($"/api/deployments/{id}/logs?tail=3")).GetProperty("lines").GetArrayLength());
        Assert.Empty((await GetAsync($"/api/deployments/{id}/logs?since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"))}")).GetProperty("lines").EnumerateArray());
        using (var unknown = await _operator.GetAsync(new Uri($"/api/deployments/{id}/logs?service=nope", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            Assert.Contains("web", (await unknown.JsonAsync()).GetProperty("errors").GetProperty("service")[0].GetString(), StringComparison.Ordinal);
        }

        var cli = await CliAsync("", "logs", id, "--service", "web", "--tail", "200");
        Assert.True(cli.Code == 0, cli.Error);
        Assert.Matches($@"(?m)^{System.Text.RegularExpressions.Regex.Escape(project)}\S* \| web 1\.0\.0: listening on 8080\r?$", cli.Out);

        // A client that goes away ends its follow; the server keeps serving.
        using (var early = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await using var events = await FollowAsync(id, early.Token);
            Assert.Equal("log", (await events.NextAsync()).Event);
        }

        using var timeout = new CancellationTokenSource(OperationTimeout);
        await using var stream = await FollowAsync(id, timeout.Token);
        var first = await stream.NextAsync();
        Assert.Equal("log", first.Event);
        var before = DateTimeOffset.UtcNow;
        // New lines keep coming (a health check per second) until the container stops.
        var fresh = await stream.UntilAsync(e => e.Event == "log" && e.Data.GetProperty("timestamp").GetDateTimeOffset() > before);
        Assert.Equal("web", fresh.Data.GetProperty("service").GetString());
        var cliFollow = CliAsync("", "logs", id, "--follow", "--tail", "20");
        using (var stop = await _operator.PostAsJsonAsync(new Uri($"/api/deployments/{id}/stop", UriKind.Relative), new { }))
        {
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        }
        var end = await stream.UntilAsync(e => e.Event == "end");
        Assert.Equal("stopped", end.Data.GetProperty("reason").GetString());
        Assert.Contains(stream.Seen, e => e.Event == "log" && e.Data.GetProperty("text").GetString() == "web 1.0.0: stopping");
        var followed = await cliFollow.WaitAsync(OperationTimeout);
        Assert.True(followed.Code == 0, followed.Error);
        Assert.Contains("| web 1.0.0: stopping", followed.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployHook_CreatesAndUpgradesADeployment_ScopedTokensStayInScope_AndAnIdempotencyKeyStartsOnce()
    {
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var name = Project("hook");
        using var created = await _operator.PostAsJsonAsync(new Uri("/api/hooks/deploy?wait=true", UriKind.Relative), new
        {
            environment = _seed.Environment.Name, deployment = name, stackId = StackId, version = "1.0.0",
            variables = new Dictionary<string, string> { ["PORT"] = port, ["API_KEY"] = "hook-secret" },
        });
        Assert.True(created.StatusCode == HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        var first = await created.JsonAsync();
        Assert.Equal(("Succeeded", "1.0.0"), (first.GetProperty("status").GetString(), first.GetProperty("version").GetString()));
        var id = first.GetProperty("deploymentId").GetString()!;
        var issued = await _server.Store.ApiTokens.IssueAsync(new Core.Store.NewApiToken(_seed.Operator.Id, "ci-hook", ScopeDeploymentId: id), default);
        var scopedToken = issued.Token;
        using var ci = _server.Client(scopedToken);

        // No stackId, version or variables: the deployment's stack at its latest version, with the values it has.
        using var request1 = HookRequest(new { environment = _seed.Environment.Id, deployment = name }, "build-42");
        using var request2 = HookRequest(new { environment = _seed.Environment.Id, deployment = name }, "build-42");
        using var upgrade = await ci.SendAsync(request1);
        using var again = await ci.SendAsync(request2);
        using var elsewhere = await ci.PostAsJsonAsync(new Uri("/api/hooks/deploy", UriKind.Relative),
            new { environment = _seed.Environment.Name, deployment = _seed.OtherDeployment.Name });

        Assert.True(upgrade.StatusCode == HttpStatusCode.Accepted, await upgrade.Content.ReadAsStringAsync());
        var started = await upgrade.JsonAsync();
        var replay = await again.JsonAsync();
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal((started.GetProperty("operationId").GetString(), true), (replay.GetProperty("operationId").GetString(), replay.GetProperty("replayed").GetBoolean()));
        Assert.False(started.GetProperty("replayed").GetBoolean());
        Assert.Equal("2.0.0", started.GetProperty("version").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);
        var operationId = started.GetProperty("operationId").GetString()!;
        Assert.Equal("Succeeded", await Wait.UntilAsync(async ct => (await GetAsync($"/api/operations/{operationId}", ct)).GetProperty("operation").GetProperty("status").GetString(),
            s => s is not ("Pending" or "Running"), "the hook's upgrade finished", OperationTimeout));
        // After a restart only the store remembers the key: a fresh idempotency cache (what a new process has) answers with
        // the operation the first delivery started and starts nothing.
        var restarted = new Hooks.DeployHookIdempotency(TimeProvider.System, _server.Services.GetRequiredService<Hosting.StoreHolder>());
        var (redelivered, isReplay) = await restarted.RunOnceAsync(issued.Record.Id, "build-42",
            () => throw new InvalidOperationException("a repeated delivery must not start another operation"));
        Assert.Equal((operationId, true, "2.0.0"), (redelivered.OperationId, isReplay, redelivered.Version));
        // A running deployment moving to a newer version goes through the upgrade flow (snapshot, Migrating, automatic rollback).
        Assert.Equal("Upgrade", (await GetAsync($"/api/operations/{operationId}")).GetProperty("operation").GetProperty("kind").GetString());
        using var probe = new HttpClient();
        Assert.Equal("2.0.0", (await probe.GetStringAsync(new Uri($"http://127.0.0.1:{port}/version"))).Trim());
        var revisions = (await GetAsync($"/api/deployments/{id}/revisions")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, revisions.Count);
        var diff = await GetAsync($"/api/deployments/{id}/revisions/diff?from=1&to=2");
        Assert.Empty(diff.GetProperty("variables").EnumerateArray()); // PORT and the secret were kept
    }

    private static HttpRequestMessage HookRequest(object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/hooks/deploy", UriKind.Relative)) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private string Project(string suffix)
    {
        var name = _resources.Name(suffix);
        _projects.Add(name);
        return name;
    }

    private async Task<string> DeployAsync(string name, string version, string port, string apiKey)
    {
        using var response = await _operator.PostAsJsonAsync(new Uri($"/api/environments/{_seed.Environment.Id}/deployments", UriKind.Relative),
            new { name, stackId = StackId, version, variables = new Dictionary<string, string> { ["PORT"] = port, ["API_KEY"] = apiKey } });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var body = await response.JsonAsync();
        var operationId = body.GetProperty("operationId").GetString()!;
        var status = await Wait.UntilAsync(async ct =>
        {
            var operation = (await GetAsync($"/api/operations/{operationId}", ct)).GetProperty("operation");
            return operation.GetProperty("status").GetString() + (operation.GetProperty("error").GetString() is { } error ? ": " + error : string.Empty);
        }, s => s is not ("Pending" or "Running"), $"operation {operationId} finished", OperationTimeout);
        Assert.Equal("Succeeded", status);
        return body.GetProperty("deploymentId").GetString()!;
    }

    private async Task<JsonElement> GetAsync(string path, CancellationToken ct = default)
    {
        using var response = await _operator.GetAsync(new Uri(path, UriKind.Relative), ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(ct));
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }

    private async Task<(int Code, string Out, string Error)> CliAsync(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Cli.CliApp.RunAsync(args, new Cli.Client.CliIO(new StringReader(stdin), output, error, n => n == "HOME" ? _home : null, Interactive: false));
        return (code, output.ToString(), error.ToString());
    }

    private async Task<SseReader> FollowAsync(string id, CancellationToken ct)
    {
        var response = await _operator.GetAsync(new Uri($"/api/deployments/{id}/logs/follow?tail=5", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseReader(response, new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8), ct);
    }

    private sealed record SseEvent(string Event, JsonElement Data);

    private sealed class SseReader(HttpResponseMessage response, StreamReader reader, CancellationToken ct) : IAsyncDisposable
    {
        public List<SseEvent> Seen { get; } = [];

        public async Task<SseEvent> NextAsync()
        {
            string? name = null;
            var data = new StringBuilder();
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    name = line[6..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(line[5..].TrimStart());
                }
                else if (line.Length == 0 && name is not null)
                {
                    var e = new SseEvent(name, JsonDocument.Parse(data.ToString()).RootElement.Clone());
                    Seen.Add(e);
                    return e;
                }
            }
            throw new EndOfStreamException("The event stream ended.");
        }

        public async Task<SseEvent> UntilAsync(Func<SseEvent, bool> match)
        {
            while (true)
            {
                var e = await NextAsync();
                if (match(e))
                {
                    return e;
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            reader.Dispose();
            response.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
