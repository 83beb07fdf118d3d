using Tidegate.Core.Store;

namespace Tidegate.Server.Tests.Security;

/// <summary>Boundary: anonymous callers (probes, load balancers, anyone who reaches the port) against /readyz. A real server.</summary>
public sealed class ReadyzTests : IAsyncLifetime
{
    private RealServer _server = null!;

    public async Task InitializeAsync() => _server = await RealServer.StartAsync("--DockerEndpoint", "unix:///nonexistent/tidegate-readyz.sock");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Anonymous_LearnsOnlyReadyOrNot_NeitherTheEndpointNorTheError()
    {
        using var client = _server.Client();

        using var response = await client.GetAsync("/readyz");
        var text = await response.Content.ReadAsStringAsync();
        var body = await response.JsonAsync();

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(["status"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("not ready", body.GetProperty("status").GetString());
        Assert.DoesNotContain("nonexistent", text, StringComparison.Ordinal);
        Assert.DoesNotContain("docker", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UnscopedAdmin_SeesWhichCheckFailed()
    {
        var seed = await Seed.CreateAsync(_server.Store);
        using var client = _server.Client(seed.AdminToken);

        using var response = await client.GetAsync("/readyz");
        var body = await response.JsonAsync();

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Contains(body.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "docker" && !c.GetProperty("ready").GetBoolean());
        Assert.Contains(body.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "store" && c.GetProperty("ready").GetBoolean());
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("operator")]
    [InlineData("scoped")]
    [InlineData("scoped-admin")]
    public async Task SignedInButNotAnUnscopedAdmin_LearnsOnlyReadyOrNot(string who)
    {
        var seed = await Seed.CreateAsync(_server.Store);
        var token = who switch
        {
            "viewer" => seed.ViewerToken,
            "operator" => seed.OperatorToken,
            "scoped" => seed.ScopedToken,
            _ => (await _server.Store.ApiTokens.IssueAsync(new NewApiToken(seed.Admin.Id, "ci-admin", ScopeDeploymentId: seed.Deployment.Id), CancellationToken.None)).Token,
        };
        using var client = _server.Client(token);

        using var response = await client.GetAsync("/readyz");
        var text = await response.Content.ReadAsStringAsync();
        var body = await response.JsonAsync();

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(["status"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("not ready", body.GetProperty("status").GetString());
        Assert.DoesNotContain("nonexistent", text, StringComparison.Ordinal);
    }
}
