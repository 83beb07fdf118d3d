using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests.Security;

/// <summary>Threat-model boundary "observers", against a real server on a loopback port: an operator (or a deployment-scoped
/// token) configures observers through the API and must not read or reach what it may not. The server allows one flag directory
/// and, so the test's endpoints can be reached, the IP literal 127.0.0.1; a second root contains the server's data directory.</summary>
public sealed class ObserverBoundaryTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _flags = Directory.CreateTempSubdirectory("tidegate-boundary-flags-").FullName;
    private RealServer _server = null!;
    private Seed _seed = null!;
    private HttpClient _operator = null!;
    private HttpClient _admin = null!;
    private HttpClient _viewer = null!;
    private HttpClient _scoped = null!;

    public async Task InitializeAsync()
    {
        _server = await RealServer.StartAsync("--Observers:FileRoots:0", _flags, "--Observers:FileRoots:1", Path.Combine(Path.GetTempPath(), "tidegate-tests"),
            "--Observers:AllowedHttpHosts:0", "127.0.0.1", "--Observers:ConnectionSecrets:0", "ERP_DB", "--Observers:ConnectionSecrets:1", "PLAIN_DB",
            "--Observers:ConnectionSecrets:2", "LISTED_MISSING");
        _seed = await Seed.CreateAsync(_server.Store);
        (_operator, _admin, _viewer, _scoped) = (_server.Client(_seed.OperatorToken), _server.Client(_seed.AdminToken), _server.Client(_seed.ViewerToken),
            _server.Client(_seed.ScopedToken));
    }

    public async Task DisposeAsync()
    {
        foreach (var client in new[] { _operator, _admin, _viewer, _scoped })
        {
            client.Dispose();
        }

        await _server.DisposeAsync();
        Directory.Delete(_flags, recursive: true);
    }

    private string Id => _seed.Deployment.Id;

    private string DataDirectory => Path.GetFullPath(_server.Services.GetRequiredService<IOptions<ServerOptions>>().Value.DataDirectory);

    [Fact]
    public async Task FileObserver_OnProcSelfEnvironOrTheSecretKey_Is400_ForAnOperatorAndAScopedToken_AndNothingIsRead()
    {
        var key = Path.Combine(DataDirectory, SecretProtector.KeyFileName);
        var keyText = Convert.ToBase64String(await File.ReadAllBytesAsync(key));
        var link = Path.Combine(_flags, "innocent.flag");
        File.CreateSymbolicLink(link, key);
        string[] paths = ["/proc/self/environ", key, link, $"{_flags}/../../{Path.GetRelativePath("/", key)}", "/etc/passwd"];

        foreach (var client in new[] { _operator, _scoped })
        {
            foreach (var path in paths)
            {
                using var response = await PutAsync(client, new { type = "file", path, match = "equals", maintenanceValue = "x", pollingInterval = "1s" });
                var body = await response.Content.ReadAsStringAsync();

                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {response.StatusCode} {body}");
                Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty("path", out _), body);
                Assert.DoesNotContain(keyText[..12], body, StringComparison.Ordinal);
            }
        }

        Assert.Null(await _server.Store.Observers.GetAsync(Id, default));
    }

    [Fact]
    public async Task RegexMatch_AsOperator_Is400_AsAdmin_IsAccepted()
    {
        var regex = new { type = "file", path = Path.Combine(_flags, "state"), match = "regex", maintenanceValue = "^on", normalValue = "^off", pollingInterval = "1s" };

        using var byOperator = await PutAsync(_operator, regex);
        using var byScoped = await PutAsync(_scoped, regex);
        using var byAdmin = await PutAsync(_admin, regex);

        Assert.Equal(HttpStatusCode.BadRequest, byOperator.StatusCode);
        Assert.True((await byOperator.JsonAsync()).GetProperty("errors").TryGetProperty("match", out _));
        Assert.Equal(HttpStatusCode.BadRequest, byScoped.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        Assert.Equal(Core.Observers.ObserverAuthor.Admin, (await _server.Store.Observers.GetAsync(Id, default))!.Author);
    }

    [Fact]
    public async Task FileObserver_ContentIsNeverShown_NorItsLength_OnlyMatchedOrDidNotMatch()
    {
        var state = Path.Combine(_flags, "state");
        await File.WriteAllTextAsync(state, "top-secret-content-4711");
        using var put = await PutAsync(_operator, new { type = "file", path = state, maintenanceValue = "on", normalValue = "off", pollingInterval = "1s" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var status = await Wait.UntilAsync(_ => ObserverAsync(_viewer), o => o.GetProperty("lastValue").GetString() == "did not match", "the first poll", Timeout);
        Assert.Equal(("error", "unknown-value"), (status.GetProperty("health").GetString(), status.GetProperty("errorCode").GetString()));
        var raw = await _viewer.GetStringAsync(new Uri($"/api/deployments/{Id}/observer", UriKind.Relative));
        Assert.DoesNotContain("top-secret", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("characters", raw, StringComparison.Ordinal);

        await File.WriteAllTextAsync(state, "off");
        await Wait.UntilAsync(_ => ObserverAsync(_viewer), o => o.GetProperty("lastValue").GetString() == "off", "the normal value", Timeout);
    }

    [Fact]
    public async Task HttpObserver_ToLoopbackOrMetadata_IsRefused_WhenTheAdminDidNotAllowIt()
    {
        await using var closed = await RealServer.StartAsync("--Observers:AllowedHttpHosts:0", "status.example");
        var seed = await Seed.CreateAsync(closed.Store);
        using var client = closed.Client(seed.OperatorToken);

        foreach (var url in new[] { "http://127.0.0.1:8080/health", "http://localhost:8080/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/" })
        {
            using var response = await client.PutAsJsonAsync($"/api/deployments/{seed.Deployment.Id}/observer",
                new { type = "http", url, maintenanceValue = "503", pollingInterval = "1s" });

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, url);
            Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("url", out _), url);
        }
    }

    [Fact]
    public async Task HttpObserver_ARedirectToAnotherHost_IsNotFollowed()
    {
        using var other = TestEndpoint.Start(_ => (200, "followed"));
        using var allowed = TestEndpoint.Start(context =>
        {
            context.Response.RedirectLocation = $"http://localhost:{other.Port.ToString(CultureInfo.InvariantCulture)}/";
            return (302, "");
        });

        using var put = await PutAsync(_operator, new { type = "http", url = allowed.Url, maintenanceValue = "503", normalValue = "200", pollingInterval = "1s" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var status = await Wait.UntilAsync(_ => ObserverAsync(_viewer), o => o.GetProperty("lastPolledAt").ValueKind != JsonValueKind.Null, "the first poll", Timeout);
        Assert.Equal("302", status.GetProperty("lastValue").GetString());
        Assert.True(allowed.Requests > 0);
        Assert.Equal(0, other.Requests);
    }

    [Fact]
    public async Task HttpObserver_A20MegabyteBody_IsCappedAndNeverEchoed()
    {
        const int size = 20 * 1024 * 1024;
        var big = string.Concat(Enumerable.Repeat("SECRET-BODY-", size / 12));
        using var endpoint = TestEndpoint.Start(_ => (200, big), chunked: true);

        using var put = await PutAsync(_operator, new { type = "http", url = endpoint.Url, source = "body", maintenanceValue = "on", pollingInterval = "1s", timeout = "20s" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var status = await Wait.UntilAsync(_ => ObserverAsync(_viewer), o => o.GetProperty("errorCode").GetString() == "http-body-too-large", "the capped read", Timeout);
        Assert.Equal("error", status.GetProperty("health").GetString());
        var raw = await _viewer.GetStringAsync(new Uri($"/api/deployments/{Id}/observer", UriKind.Relative));
        Assert.DoesNotContain("SECRET-BODY", raw, StringComparison.Ordinal);
        await Wait.UntilAsync(_ => Task.FromResult(endpoint.Completed), c => c > 0, "the endpoint to notice the client left", Timeout);
        Assert.True(endpoint.BytesSent < size, $"the whole body was read ({endpoint.BytesSent} bytes)");
    }

    [Fact]
    public async Task HttpObserver_ABodyThatIsNotAConfiguredValue_IsNotEchoed()
    {
        using var endpoint = TestEndpoint.Start(_ => (200, "internal-page: db-password=hunter2"));

        using var put = await PutAsync(_operator, new { type = "http", url = endpoint.Url, source = "body", maintenanceValue = "on", normalValue = "off", pollingInterval = "1s" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var status = await Wait.UntilAsync(_ => ObserverAsync(_viewer), o => o.GetProperty("lastValue").GetString() == "did not match", "the first poll", Timeout);
        Assert.DoesNotContain("hunter2", status.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pollingInterval", "99999999999999h")]
    [InlineData("pollingInterval", "25h")]
    [InlineData("pollingInterval", "0.5s")]
    [InlineData("pollingInterval", "1e300")]
    [InlineData("timeout", "2000h")]
    [InlineData("timeout", "6m")]
    [InlineData("timeout", "99999999999999999999999999ms")]
    public async Task Durations_OutOfBounds_Are400WithAFieldError_Never500(string field, string value)
    {
        var body = new Dictionary<string, object> { ["type"] = "file", ["path"] = Path.Combine(_flags, "f"), ["maintenanceValue"] = "exists", [field] = value };

        using var response = await PutAsync(_operator, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Durations_AsAHugeJsonNumber_Are400()
    {
        using var response = await _operator.PutAsync(new Uri($"/api/deployments/{Id}/observer", UriKind.Relative), new StringContent(
            $$"""{"type": "file", "path": "{{_flags}}/f", "maintenanceValue": "exists", "pollingInterval": 1e308}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task SqlObserver_ARawConnectionString_Is400_AndOnlyAnEnvironmentSecretIsReferencedByName()
    {
        using var raw = await PutAsync(_operator, new
        {
            type = "sqlQuery", connectionString = "Host=10.0.0.5;Username=postgres;Password=guess", query = "SELECT 1", maintenanceValue = "1",
        });
        Assert.Equal(HttpStatusCode.BadRequest, raw.StatusCode);
        Assert.True((await raw.JsonAsync()).GetProperty("errors").TryGetProperty("connectionString", out _));

        using var unknown = await PutAsync(_operator, new { type = "sqlQuery", connectionSecret = "NOT_THERE", query = "SELECT 1", maintenanceValue = "1" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        // A plain (not secret) environment variable is not a connection secret either: only admins mark secrets.
        await _server.Store.Environments.SetVariablesAsync(_seed.Environment.Id,
            [new VariableValue("PLAIN_DB", "Host=127.0.0.1", false), new VariableValue("ERP_DB", "Host=127.0.0.1;Password=erp-secret-99", true)], default);
        using var plain = await PutAsync(_operator, new { type = "sqlQuery", connectionSecret = "PLAIN_DB", query = "SELECT 1", maintenanceValue = "1" });
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);

        using var named = await PutAsync(_operator, new { type = "sqlQuery", connectionSecret = "ERP_DB", query = "SELECT 1", maintenanceValue = "1" });
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        var shown = await _viewer.GetStringAsync(new Uri($"/api/deployments/{Id}/observer", UriKind.Relative));
        Assert.Contains("\"connectionSecret\":\"ERP_DB\"", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("erp-secret-99", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqlObserver_AnUnlistedSecret_AndAListedButMissingOne_GetTheSame400_SoNoSecretNameIsRevealed()
    {
        // The application's own credentials exist as a secret of the environment, but the admin did not list them for observers.
        await _server.Store.Environments.SetVariablesAsync(_seed.Environment.Id,
            [new VariableValue("APP_DB", "Host=127.0.0.1;Username=app_owner;Password=app-secret-42", true)], default);

        async Task<JsonElement> RefusedAsync(HttpClient client, string secret)
        {
            using var response = await PutAsync(client, new { type = "sqlQuery", connectionSecret = secret, query = "SELECT 1", maintenanceValue = "1" });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return await response.JsonAsync();
        }

        foreach (var client in new[] { _operator, _scoped, _admin })
        {
            var unlisted = await RefusedAsync(client, "APP_DB");
            var missing = await RefusedAsync(client, "LISTED_MISSING");
            var neither = await RefusedAsync(client, "NOT_THERE");
            string Shape(JsonElement problem, string name) => string.Join("|", problem.GetProperty("title").GetString(), problem.GetProperty("detail").GetString(),
                problem.GetProperty("errors").GetRawText().Replace(name, "NAME", StringComparison.Ordinal));
            Assert.Equal(Shape(missing, "LISTED_MISSING"), Shape(unlisted, "APP_DB"));
            Assert.Equal(Shape(missing, "LISTED_MISSING"), Shape(neither, "NOT_THERE"));
            Assert.DoesNotContain("app-secret-42", unlisted.GetRawText(), StringComparison.Ordinal);
        }

        Assert.False((await ObserverAsync(_viewer)).GetProperty("configured").GetBoolean());
    }

    [Theory]
    [InlineData("COPY (SELECT 1) TO PROGRAM 'touch /tmp/owned'")]
    [InlineData("SELECT dblink_exec('host=127.0.0.1', 'DROP TABLE t')")]
    [InlineData("SELECT pg_read_file('/etc/passwd')")]
    [InlineData("SELECT pg_terminate_backend(pid) FROM pg_stat_activity")]
    [InlineData("DELETE FROM system_state")]
    public async Task SqlObserver_AQueryThatIsNotAPlainSelect_Is400(string query)
    {
        await _server.Store.Environments.SetVariablesAsync(_seed.Environment.Id,
            [new VariableValue("ERP_DB", "Host=127.0.0.1;Password=erp-secret-99", true)], default);

        using var response = await PutAsync(_operator, new { type = "sqlQuery", connectionSecret = "ERP_DB", query, maintenanceValue = "1" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("query", out _));
    }

    [Fact]
    public async Task ConnectionSecrets_ThatAreNoVariableNames_StopTheServerAtStart()
    {
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => RealServer.StartAsync("--Observers:ConnectionSecrets:0", "Host=db;Password=x"));
        Assert.Contains("Observers:ConnectionSecrets", refused.ToString(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> PutAsync(HttpClient client, object body) => client.PutAsJsonAsync($"/api/deployments/{Id}/observer", body);

    private async Task<JsonElement> ObserverAsync(HttpClient client) => await client.GetFromJsonAsync<JsonElement>($"/api/deployments/{Id}/observer");
}

/// <summary>Threat-model boundary "observers", catalog author side: a stack's x-tidegate.maintenanceObserver (written by whoever
/// can write to the catalog source) with <c>maintenanceValue: missing</c> on a path outside the allowed roots does not start, so it
/// cannot stop the deployment; a connection string written in the stack is not used.</summary>
public sealed class StackObserverBoundaryTests(DockerDaemonFixture fixture) : IAsyncLifetime, IClassFixture<DockerDaemonFixture>
{
    private const string StackId = "demo:boundary:shop";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly TestResources _resources = new("obs-boundary");
    private readonly string _catalog = Path.Combine(Path.GetTempPath(), "tidegate-tests", "catalog-" + Guid.NewGuid().ToString("N"));
    private readonly string _flags = Directory.CreateTempSubdirectory("tidegate-boundary-stack-flags-").FullName;
    private RealServer _server = null!;
    private Seed _seed = null!;
    private HttpClient _operator = null!;

    public async Task InitializeAsync()
    {
        Assert.NotNull(fixture.Endpoint);
        var folder = Path.Combine(_catalog, "boundary", "1.0.0");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "compose.yaml"), $$"""
            x-tidegate:
              product: boundary
              stack: shop
              version: "1.0.0"
              maintenanceObserver:
                type: file
                path: /nonexistent-tidegate-boundary/maintenance.flag
                maintenanceValue: missing
                normalValue: exists
                pollingInterval: 1s
            services:
              app:
                image: {{Tidegate.TestKit.Images.TestImages.Web100}}
                healthcheck:
                  disable: true
            """);
        _server = await RealServer.StartAsync("--DemoCatalog", _catalog, $"--Engine:Labels:{TestResources.LabelKey}", _resources.Id,
            "--Observers:FileRoots:0", _flags);
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
    public async Task MissingOnAPathOutsideTheRoots_DoesNotStopTheDeployment()
    {
        using var deploy = await _operator.PostAsJsonAsync(new Uri($"/api/environments/{_seed.Environment.Id}/deployments", UriKind.Relative),
            new { name = _resources.Name("shop"), stackId = StackId });
        Assert.Equal(HttpStatusCode.Accepted, deploy.StatusCode);
        var id = (await deploy.JsonAsync()).GetProperty("deploymentId").GetString()!;

        var observer = await Wait.UntilAsync(async ct => await _operator.GetFromJsonAsync<JsonElement>($"/api/deployments/{id}/observer", ct),
            o => o.GetProperty("health").GetString() == "error", "the stack's observer to be refused", Timeout);
        Assert.Equal(("stack", "invalid"), (observer.GetProperty("source").GetString(), observer.GetProperty("errorCode").GetString()));
        Assert.Contains("path", observer.GetProperty("error").GetString(), StringComparison.Ordinal);
        await Wait.UntilAsync(async ct => await _server.Store.Locks.GetAsync(id, ct), l => l is null, "the deploy to finish", Timeout);

        Assert.Equal(OperationMode.Normal, (await _server.Store.Deployments.GetAsync(id, default))!.Mode);
        Assert.Empty((await _server.Store.OperationModes.HistoryAsync(id, new Page(10, 0), default)).Items);
        using var removed = await _operator.DeleteAsync(new Uri($"/api/deployments/{id}?removeVolumes=true", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, removed.StatusCode);
        await Wait.UntilAsync(async ct => await _server.Store.Deployments.GetAsync(id, ct), d => d is null, "the deployment removed", Timeout);
    }
}
