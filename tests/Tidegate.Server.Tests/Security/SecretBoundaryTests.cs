using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Server.Tests.Security;

/// <summary>The secret boundary over HTTP against a real server and the real engine: an environment variable an admin saved
/// as secret, used by a stack that does not declare it secret (in an environment entry, a label, a hook command and an image
/// reference), never reaches a viewer (revision definition, diff, deployment, operation steps, progress events, metadata,
/// logs), a snapshot, or the database file in clear.</summary>
public sealed class SecretBoundaryTests(DockerDaemonFixture fixture) : IAsyncLifetime, IClassFixture<DockerDaemonFixture>
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(90);

    // Lower-case hex: it has to be valid inside an image reference too.
    private readonly string _secret = "tgsecret" + Guid.NewGuid().ToString("N");
    private readonly TestResources _resources = new("secrets");
    private readonly string _catalog = Path.Combine(Path.GetTempPath(), "tidegate-tests", "catalog-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _projects = [];
    private RealServer _server = null!;
    private Seed _seed = null!;
    private HttpClient _operator = null!;
    private HttpClient _viewer = null!;

    public async Task InitializeAsync()
    {
        Assert.NotNull(fixture.Endpoint);
        await WriteStackAsync("worker", "1.0.0", TestImages.Worker100);
        // The pull fails (nothing listens on port 1), and the daemon's error quotes the reference, secret included.
        await WriteStackAsync("broken", "1.0.0", "127.0.0.1:1/${DB_PASSWORD}:1");
        _server = await RealServer.StartAsync("--DemoCatalog", _catalog, $"--Engine:Labels:{TestResources.LabelKey}", _resources.Id);
        _seed = await Seed.CreateAsync(_server.Store);
        _operator = _server.Client(_seed.OperatorToken);
        _viewer = _server.Client(_seed.ViewerToken);
        using var admin = _server.Client(_seed.AdminToken);
        using var saved = await admin.PutAsJsonAsync(new Uri($"/api/environments/{_seed.Environment.Id}/variables", UriKind.Relative),
            new { variables = new[] { new { name = "DB_PASSWORD", value = _secret, secret = true } } });
        Assert.True(saved.StatusCode == HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        await Wait.UntilAsync(async ct =>
        {
            using var response = await _operator.GetAsync(new Uri("/api/catalog/stacks/demo:secrets:broken/versions", UriKind.Relative), ct);
            return response.StatusCode;
        }, s => s == HttpStatusCode.OK, "the test catalog synced");
    }

    public async Task DisposeAsync()
    {
        _operator.Dispose();
        _viewer.Dispose();
        await ProjectCleanup.RemoveAsync(_server, _seed.Environment, _projects);
        await _server.DisposeAsync();
        await _resources.DisposeAsync();
        Directory.Delete(_catalog, recursive: true);
    }

    [Fact]
    public async Task UndeclaredEnvironmentSecret_IsMaskedInEveryAnswerAndSnapshot_AndNeverInTheDatabaseFile()
    {
        var name = Project("worker");
        var (id, first) = await DeployAsync(name, "demo:secrets:worker", "Succeeded");
        var (_, second) = await DeployAsync(name, "demo:secrets:worker", "Succeeded");

        var detail = await ViewerGetAsync($"/api/deployments/{id}/revisions/1");
        var definition = JsonDocument.Parse(detail).RootElement.GetProperty("definition").GetString()!;
        Assert.Contains("DB_PASSWORD: \"********\"", definition, StringComparison.Ordinal);
        Assert.Contains("example.password: \"********\"", definition, StringComparison.Ordinal);
        var answers = new List<string>
        {
            detail,
            await ViewerGetAsync($"/api/deployments/{id}/revisions/diff?from=1&to=2"),
            await ViewerGetAsync($"/api/deployments/{id}"),
            await ViewerGetAsync($"/api/deployments/{id}/metadata"),
        };
        foreach (var operation in new[] { first, second })
        {
            answers.Add(await ViewerGetAsync($"/api/operations/{operation}"));
            answers.Add(await ViewerGetAsync($"/api/operations/{operation}/events"));
        }

        // The application prints the value it was given: the hook's log (an operation step) and the container's log arrive masked.
        // A step's detail is JSON inside the JSON answer: escaped twice.
        Assert.Contains("hook-sees-" + Masked.Value, Unescaped(Unescaped(answers[4])), StringComparison.Ordinal);
        var logs = await Wait.UntilAsync(ct => ViewerGetAsync($"/api/deployments/{id}/logs?tail=50", ct),
            l => l.Contains("worker-sees-", StringComparison.Ordinal), "the worker's log line");
        answers.Add(logs);
        Assert.Contains(JsonDocument.Parse(logs).RootElement.GetProperty("lines").EnumerateArray(),
            l => l.GetProperty("text").GetString() == "worker-sees-" + Masked.Value);

        foreach (var answer in answers)
        {
            Assert.DoesNotContain(_secret, Unescaped(answer), StringComparison.Ordinal);
        }

        // The snapshot taken before the second deploy holds the first revision's containers, their labels included.
        var snapshots = (await _server.Store.Snapshots.ListAsync(id, Page.First(), default)).Items;
        var replaced = Assert.Single(snapshots, s => s.Revision == 1);
        Assert.Contains("example.password", replaced.ContainerState, StringComparison.Ordinal);
        Assert.All(snapshots, s => Assert.DoesNotContain(_secret, s.ContainerState, StringComparison.Ordinal));

        await AssertNotInDatabaseFileAsync();
    }

    [Fact]
    public async Task FailedPull_QuotingTheSecret_ShowsItMaskedInTheErrorProgressAndMetadata()
    {
        var (id, operation) = await DeployAsync(Project("broken"), "demo:secrets:broken", "Failed");

        var answers = new[]
        {
            await ViewerGetAsync($"/api/operations/{operation}"),
            await ViewerGetAsync($"/api/operations/{operation}/events"),
            await ViewerGetAsync($"/api/deployments/{id}/metadata"),
            await ViewerGetAsync($"/api/deployments/{id}/revisions/1"),
        };

        var error = JsonDocument.Parse(answers[0]).RootElement.GetProperty("operation").GetProperty("error").GetString()!;
        Assert.Contains("127.0.0.1:1/" + Masked.Value, error, StringComparison.Ordinal);
        foreach (var answer in answers)
        {
            Assert.DoesNotContain(_secret, Unescaped(answer), StringComparison.Ordinal);
        }

        await AssertNotInDatabaseFileAsync();
    }

    [Fact]
    public async Task CliDeploy_TakesASecretFromStdinAndValuesFromAVarFile_AndTheEnvironmentKeepsItSecret()
    {
        var name = Project("cli");
        var home = Path.Combine(_catalog, "home");
        var values = Path.Combine(_catalog, "values.env");
        await File.WriteAllTextAsync(values, "GREETING=hello-from-file\n");
        var fromStdin = "stdin" + Guid.NewGuid().ToString("N");
        async Task<(int Code, string Error)> CliAsync(string stdin, params string[] args)
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = await Cli.CliApp.RunAsync(args, new Cli.Client.CliIO(new StringReader(stdin), output, error, n => n == "HOME" ? home : null, Interactive: false));
            return (code, error.ToString());
        }

        Assert.Equal(0, (await CliAsync(Seed.Password + "\n", "login", "--server", _server.Address.ToString(), "--username", "operator")).Code);
        var deploy = await CliAsync(fromStdin + "\n", "deploy", _seed.Environment.Name, "demo:secrets:worker@1.0.0", "--name", name,
            "--var-file", values, "--var", "DB_PASSWORD=-", "--wait");

        Assert.True(deploy.Code == 0, deploy.Error);
        var deployment = (await _server.Store.Deployments.GetByNameAsync(_seed.Environment.Id, name, default))!;
        var answer = await ViewerGetAsync($"/api/deployments/{deployment.Id}");
        Assert.DoesNotContain(fromStdin, answer, StringComparison.Ordinal);
        var variables = JsonDocument.Parse(answer).RootElement.GetProperty("variables").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => (v.GetProperty("value").GetString(), v.GetProperty("secret").GetBoolean()));
        // The stack does not declare DB_PASSWORD; the environment keeps that name secret, so the deployment's value is secret too.
        Assert.Equal((Masked.Value, true), variables["DB_PASSWORD"]);
        Assert.Equal(("hello-from-file", false), variables["GREETING"]);
        using var docker = _server.Services.GetRequiredService<IDockerEngineFactory>().Open(_seed.Environment);
        var container = Assert.Single(await docker.ContainersAsync([EngineLabels.Filter(EngineLabels.Project, name)], default));
        Assert.Contains("DB_PASSWORD=" + fromStdin, (await docker.ContainerInspectAsync(container.Id, default))!.Config!.Env!);
        await AssertNotInDatabaseFileAsync(fromStdin);
    }

    private async Task WriteStackAsync(string stack, string version, string image)
    {
        var folder = Path.Combine(_catalog, "secrets", stack, version);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "compose.yaml"), $$"""
            x-tidegate:
              product: secrets
              productName: Secrets
              stack: {{stack}}
              version: "{{version}}"
              hooks:
                post:
                  service: worker
                  command: echo hook-sees-${DB_PASSWORD}
            services:
              worker:
                image: "{{image}}"
                entrypoint: ["/bin/sh", "-c", "echo worker-sees-$$DB_PASSWORD; exec sleep 3600"]
                environment:
                  DB_PASSWORD: "${DB_PASSWORD}"
                labels:
                  example.password: "${DB_PASSWORD}"
                stop_grace_period: 1s
            """);
    }

    private async Task AssertNotInDatabaseFileAsync(string? value = null)
    {
        value ??= _secret;
        var path = _server.Store.Database.DatabasePath;
        foreach (var file in new[] { path, path + "-wal" }.Where(File.Exists))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes);
            Assert.True(bytes.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(value)) < 0, $"{Path.GetFileName(file)} holds the secret in clear");
        }
    }

    private string Project(string suffix)
    {
        var name = _resources.Name(suffix);
        _projects.Add(name);
        return name;
    }

    private async Task<(string DeploymentId, string OperationId)> DeployAsync(string name, string stackId, string expected)
    {
        using var response = await _operator.PostAsJsonAsync(new Uri($"/api/environments/{_seed.Environment.Id}/deployments", UriKind.Relative),
            new { name, stackId, version = "1.0.0" });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var body = await response.JsonAsync();
        var operationId = body.GetProperty("operationId").GetString()!;
        var status = await Wait.UntilAsync(async ct =>
        {
            using var read = await _operator.GetAsync(new Uri($"/api/operations/{operationId}", UriKind.Relative), ct);
            var operation = (await read.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("operation");
            return (Status: operation.GetProperty("status").GetString(), Error: operation.GetProperty("error").GetString());
        }, s => s.Status is not ("Pending" or "Running"), $"operation {operationId} finished", OperationTimeout);
        Assert.True(status.Status == expected, $"{status.Status}: {status.Error}");
        return (body.GetProperty("deploymentId").GetString()!, operationId);
    }

    private async Task<string> ViewerGetAsync(string path, CancellationToken ct = default)
    {
        using var response = await _viewer.GetAsync(new Uri(path, UriKind.Relative), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return text;
    }

    // JSON answers may escape characters; compare against the text a client decodes.
    private static string Unescaped(string json) => System.Text.RegularExpressions.Regex.Unescape(json);
}
