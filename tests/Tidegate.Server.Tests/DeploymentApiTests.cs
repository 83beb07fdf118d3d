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

/// <summary>The deployment endpoints against the real engine: a catalog written by the test, the server on a loopback
/// port, and every resource the engine creates labelled with this class's <see cref="TestResources"/> label.</summary>
public sealed class DeploymentApiTests(DockerDaemonFixture fixture) : IAsyncLifetime, IClassFixture<DockerDaemonFixture>
{
    private const string StackId = "demo:wired:web";
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(90);

    private readonly TestResources _resources = new("deployapi");
    private readonly string _catalog = Path.Combine(Path.GetTempPath(), "tidegate-tests", "catalog-" + Guid.NewGuid().ToString("N"));
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly System.Collections.Concurrent.ConcurrentBag<string> _projects = [];
    private RealServer _server = null!;
    private Seed _seed = null!;
    private HttpClient _operator = null!;

    public async Task InitializeAsync()
    {
        Assert.NotNull(fixture.Endpoint);
        var folder = Path.Combine(_catalog, "wired", "1.0.0");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "compose.yaml"), $$"""
            x-tidegate:
              product: wired
              productName: Wired
              stack: web
              version: "1.0.0"
              variables:
                PORT:
                  type: port
                  required: true
                API_KEY:
                  type: secret
            services:
              web:
                image: {{TestImages.Web100}}
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
        _server = await RealServer.StartAsync("--DemoCatalog", _catalog, $"--Engine:Labels:{TestResources.LabelKey}", _resources.Id,
            "--Engine:HealthTimeout", "00:00:45");
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
        _probe.Dispose();
        // Safety net for a test that failed half-way: its deployments' containers, by compose project.
        await ProjectCleanup.RemoveAsync(_server, _seed.Environment, _projects);
        await _server.DisposeAsync();
        // Everything the engine created carries the label: containers, networks, volumes.
        await _resources.DisposeAsync();
        Directory.Delete(_catalog, recursive: true);
    }

    [Fact]
    public async Task Deploy_AsOperator_RunsTheAppHealthy_ThenStopStartAndRemoveWork()
    {
        var port = FreePort.Next();
        var name = Project("app");

        var (operationId, deploymentId) = await DeployAsync(name, ("PORT", port.ToString(CultureInfo.InvariantCulture)), ("API_KEY", "s3cr3t-value"));
        Assert.Equal("Succeeded", await FinishedAsync(operationId));

        Assert.Equal("1.0.0", (await _probe.GetStringAsync(new Uri($"http://127.0.0.1:{port}/version"))).Trim());
        var detail = await DetailAsync(deploymentId);
        Assert.Equal("Healthy", detail.GetProperty("health").GetString());
        var container = detail.GetProperty("services").EnumerateArray().Single().GetProperty("containers").EnumerateArray().Single();
        Assert.Equal(("running", "healthy"), (container.GetProperty("state").GetString(), container.GetProperty("health").GetString()));
        Assert.Equal(TestImages.Web100, container.GetProperty("image").GetString());
        Assert.False(string.IsNullOrEmpty(container.GetProperty("imageDigest").GetString()));
        Assert.Contains(container.GetProperty("ports").EnumerateArray(), p => p.GetString()!.Contains($"127.0.0.1:{port}->8080", StringComparison.Ordinal));
        var raw = await _operator.GetStringAsync(new Uri($"/api/deployments/{deploymentId}", UriKind.Relative));
        Assert.DoesNotContain("s3cr3t-value", raw, StringComparison.Ordinal);
        Assert.Contains(detail.GetProperty("variables").EnumerateArray(), v => v.GetProperty("name").GetString() == "API_KEY" && v.GetProperty("secret").GetBoolean());

        Assert.Equal("Succeeded", await FinishedAsync(await LifecycleAsync(deploymentId, "stop")));
        Assert.Equal("exited", (await ContainerAsync(deploymentId)).GetProperty("state").GetString());

        Assert.Equal("Succeeded", await FinishedAsync(await LifecycleAsync(deploymentId, "start")));
        await Wait.UntilAsync(async ct => (await DetailAsync(deploymentId)).GetProperty("health").GetString(), h => h == "Healthy", "healthy after start",
            OperationTimeout);
        Assert.Equal("1.0.0", (await _probe.GetStringAsync(new Uri($"http://127.0.0.1:{port}/version"))).Trim());

        using var removed = await _operator.DeleteAsync(new Uri($"/api/deployments/{deploymentId}?removeVolumes=true", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, removed.StatusCode);
        Assert.Equal("Succeeded", await FinishedAsync((await removed.JsonAsync()).GetProperty("operationId").GetString()!));
        Assert.Empty(await ProjectContainersAsync(name));
        using var gone = await _operator.GetAsync(new Uri($"/api/deployments/{deploymentId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task SecondOperation_WhileADeployRuns_Is409NamingTheRunningOperation()
    {
        var port = FreePort.Next();
        var (operationId, deploymentId) = await DeployAsync(Project("busy"), ("PORT", port.ToString(CultureInfo.InvariantCulture)));

        using var stop = await _operator.PostAsJsonAsync(new Uri($"/api/deployments/{deploymentId}/stop", UriKind.Relative), new { });
        using var again = await _operator.PostAsJsonAsync(new Uri($"/api/environments/{_seed.Environment.Id}/deployments", UriKind.Relative),
            new { name = _resources.Name("busy"), stackId = StackId, variables = new Dictionary<string, string> { ["PORT"] = port.ToString(CultureInfo.InvariantCulture) } });

        foreach (var refused in new[] { stop, again })
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await refused.JsonAsync();
            Assert.Equal(operationId, problem.GetProperty("runningOperationId").GetString());
            Assert.Contains(operationId, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal("Succeeded", await FinishedAsync(operationId));
        await RemoveAsync(deploymentId);
    }

    [Fact]
    public async Task Deploy_WithoutARequiredVariable_Is400NamingIt_AndCreatesNothing()
    {
        var name = Project("novar");

        using var response = await _operator.PostAsJsonAsync(new Uri($"/api/environments/{_seed.Environment.Id}/deployments", UriKind.Relative),
            new { name, stackId = StackId, version = "1.0.0" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.Contains(errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray()), m => m.GetString()!.Contains("PORT", StringComparison.Ordinal));
        var list = await (await _operator.GetAsync(new Uri($"/api/deployments?environmentId={_seed.Environment.Id}", UriKind.Relative))).JsonAsync();
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), d => d.GetProperty("name").GetString() == name);
        Assert.Empty(await ProjectContainersAsync(name));
    }

    [Theory]
    [InlineData("demo:wired:none", null)]
    [InlineData(StackId, "9.9.9")]
    public async Task Deploy_OfAnUnknownStackOrVersion_Is404(string stackId, string? version)
    {
        using var response = await _operator.PostAsJsonAsync(new Uri($"/api/environments/{_seed.Environment.Id}/deployments", UriKind.Relative),
            new { name = _resources.Name("unknown"), stackId, version });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Cli_DeployWait_ThenStatusPsAndRm()
    {
        var home = Path.Combine(Path.GetTempPath(), "tidegate-cli-tests", Guid.NewGuid().ToString("N"));
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var name = Project("cli");
        try
        {
            Assert.Equal(0, (await CliAsync(home, Seed.Password + "\n", "login", "--server", _server.Address.ToString(), "--username", "operator")).Code);

            var deploy = await CliAsync(home, "", "deploy", _seed.Environment.Name, StackId + "@1.0.0", "--name", name, "--var", "PORT=" + port, "--wait");
            Assert.True(deploy.Code == 0, deploy.Out + deploy.Error);
            Assert.Contains("Completed", deploy.Out, StringComparison.Ordinal);
            var list = await (await _operator.GetAsync(new Uri($"/api/deployments?environmentId={_seed.Environment.Id}", UriKind.Relative))).JsonAsync();
            var id = list.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;

            var status = await CliAsync(home, "", "status", id);
            var ps = await CliAsync(home, "", "ps", id, "--output", "json");
            Assert.Equal(0, status.Code);
            Assert.Contains("health: Healthy", status.Out, StringComparison.Ordinal);
            Assert.Equal(0, ps.Code);
            var row = JsonDocument.Parse(ps.Out).RootElement.EnumerateArray().Single();
            Assert.Equal(("web", "running"), (row.GetProperty("service").GetString(), row.GetProperty("state").GetString()));

            var rm = await CliAsync(home, "", "rm", id, "--wait");
            Assert.True(rm.Code == 0, rm.Out + rm.Error);
            Assert.Empty(await ProjectContainersAsync(name));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private string Project(string suffix)
    {
        var name = _resources.Name(suffix);
        _projects.Add(name);
        return name;
    }

    private static async Task<(int Code, string Out, string Error)> CliAsync(string home, string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Cli.CliApp.RunAsync(args, new Cli.Client.CliIO(new StringReader(stdin), output, error, n => n == "HOME" ? home : null, Interactive: false));
        return (code, output.ToString(), error.ToString());
    }

    private async Task<(string OperationId, string DeploymentId)> DeployAsync(string name, params (string Key, string Value)[] variables)
    {
        using var response = await _operator.PostAsJsonAsync(new Uri($"/api/environments/{_seed.Environment.Id}/deployments", UriKind.Relative),
            new { name, stackId = StackId, variables = variables.ToDictionary(v => v.Key, v => v.Value), sessionId = "test-session" });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var body = await response.JsonAsync();
        return (body.GetProperty("operationId").GetString()!, body.GetProperty("deploymentId").GetString()!);
    }

    private async Task<string> LifecycleAsync(string deploymentId, string action)
    {
        using var response = await _operator.PostAsJsonAsync(new Uri($"/api/deployments/{deploymentId}/{action}", UriKind.Relative), new { });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.JsonAsync()).GetProperty("operationId").GetString()!;
    }

    private async Task RemoveAsync(string deploymentId)
    {
        using var removed = await _operator.DeleteAsync(new Uri($"/api/deployments/{deploymentId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, removed.StatusCode);
        await FinishedAsync((await removed.JsonAsync()).GetProperty("operationId").GetString()!);
    }

    private Task<string> FinishedAsync(string operationId) => Wait.UntilAsync(async ct =>
    {
        var detail = await (await _operator.GetAsync(new Uri($"/api/operations/{operationId}", UriKind.Relative), ct)).JsonAsync();
        var operation = detail.GetProperty("operation");
        return operation.GetProperty("status").GetString() + (operation.GetProperty("error").GetString() is { } error ? ": " + error : string.Empty);
    }, s => s is not ("Pending" or "Running"), $"operation {operationId} finished", OperationTimeout);

    private async Task<JsonElement> DetailAsync(string deploymentId)
        => await (await _operator.GetAsync(new Uri($"/api/deployments/{deploymentId}", UriKind.Relative))).JsonAsync();

    private async Task<JsonElement> ContainerAsync(string deploymentId)
        => (await DetailAsync(deploymentId)).GetProperty("services").EnumerateArray().Single().GetProperty("containers").EnumerateArray().Single();

    private async Task<IReadOnlyList<string>> ProjectContainersAsync(string project)
    {
        using var docker = _server.Services.GetRequiredService<IDockerEngineFactory>().Open(_seed.Environment);
        return [.. (await docker.ContainersAsync([EngineLabels.Filter(EngineLabels.Project, project)], default)).Select(c => c.Id)];
    }
}
