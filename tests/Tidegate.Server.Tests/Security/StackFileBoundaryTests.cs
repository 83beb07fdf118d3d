using System.Net;
using System.Net.Http.Json;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests.Security;

/// <summary>Trust boundary "catalog author → viewers and operators" over HTTP, against a real server process: catalog
/// diagnostics (readable by viewers) and a deploy's 400 answer name the path and the rule but never carry the content
/// of a file a stack named, whether it lies outside the catalog source or is a secret-like file inside it.</summary>
public sealed class StackFileBoundaryTests : IAsyncLifetime
{
    private const string Secret = "TIDEGATE-SECRET-51d0e8aa";

    private readonly string _base = Directory.CreateTempSubdirectory("tidegate-boundary-").FullName;
    private RealServer _server = null!;
    private Seed _seed = null!;

    private string Catalog => Path.Combine(_base, "catalog");

    public async Task InitializeAsync()
    {
        Write("outside/secret.yaml", $"services:\n  stolen:\n    image: {Secret}\n");
        Write("outside/secret.env", $"STOLEN={Secret}\n");
        Write("catalog/keyed/1.0.0/secret.key", $"-----BEGIN PRIVATE KEY-----\n{Secret}\n-----END PRIVATE KEY-----\n");
        Write("catalog/keyed/1.0.0/compose.yaml", "include:\n  - secret.key\nservices:\n  web:\n    image: nginx\n");
        Write("catalog/escape/1.0.0/compose.yaml", "include:\n  - ../../../outside/secret.yaml\nservices:\n  web:\n    image: nginx\n");
        Write("catalog/envkey/1.0.0/secret.key", $"-----BEGIN PRIVATE KEY-----\n{Secret}\n");
        Write("catalog/envkey/1.0.0/compose.yaml", "services:\n  web:\n    image: nginx\n    env_file: secret.key\n");
        Write("catalog/envout/1.0.0/compose.yaml", "services:\n  web:\n    image: nginx\n    env_file: ../../../outside/secret.env\n");

        _server = await RealServer.StartAsync(
            "--Catalog:Sources:0:Id", "probe", "--Catalog:Sources:0:Kind", "directory", "--Catalog:Sources:0:Path", Catalog);
        _seed = await Seed.CreateAsync(_server.Store);
        using var viewer = _server.Client(_seed.ViewerToken);
        await Wait.UntilAsync(async ct => (await viewer.GetStringAsync("/api/catalog/sources", ct)).Contains("\"lastSyncedAt\":\"", StringComparison.Ordinal),
            synced => synced, "the first sync of the probe source");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_base, recursive: true);
    }

    [Theory]
    [InlineData("probe:keyed:keyed", "not shown")]
    [InlineData("probe:escape:escape", "include path '../../../outside/secret.yaml' leaves the catalog source")]
    public async Task CatalogDiagnostics_NameThePathAndTheRule_ButNeverTheContent(string stackId, string expected)
    {
        using var viewer = _server.Client(_seed.ViewerToken);

        using var response = await viewer.GetAsync($"/api/catalog/stacks/{stackId}/versions");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"broken\":true", body, StringComparison.Ordinal);
        Assert.Contains(expected, body, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("probe:envkey:envkey", "the line is not shown")]
    [InlineData("probe:envout:envout", "env_file path '../../../outside/secret.env' leaves the catalog source")]
    public async Task ADeploysBadRequest_NamesThePathAndTheRule_ButNeverTheContent(string stackId, string expected)
    {
        using var op = _server.Client(_seed.OperatorToken);

        var name = "probe-" + Guid.NewGuid().ToString("N")[..8];
        using var response = await op.PostAsJsonAsync($"/api/environments/{_seed.Environment.Id}/deployments", new { name, stackId, version = "1.0.0" });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, body, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
        Assert.Null(await _server.Store.Deployments.GetByNameAsync(_seed.Environment.Id, name, default));
    }

    private void Write(string relative, string content)
    {
        var full = Path.Combine(_base, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }
}
