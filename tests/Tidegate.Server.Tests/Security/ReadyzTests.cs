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
    public async Task SignedInUser_SeesWhichCheckFailed()
    {
        var seed = await Seed.CreateAsync(_server.Store);
        using var client = _server.Client(seed.ViewerToken);

        using var response = await client.GetAsync("/readyz");
        var body = await response.JsonAsync();

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Contains(body.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "docker" && !c.GetProperty("ready").GetBoolean());
        Assert.Contains(body.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "store" && c.GetProperty("ready").GetBoolean());
    }
}
