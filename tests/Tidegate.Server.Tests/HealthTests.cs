using System.Net;

namespace Tidegate.Server.Tests;

public sealed class HealthTests : IDisposable
{
    private readonly TidegateFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Healthz_WithoutCredentials_AnswersOk()
    {
        using var client = _factory.Anonymous();

        using var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"ok\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_ReportsReadyToAnyone_AndTheStoreAndTheDockerEngineToAdmins()
    {
        await Seed.CreateAsync(_factory);
        using var client = _factory.Anonymous();
        using var anonymous = await client.GetAsync("/readyz");
        (await client.LoginAsync("admin")).Dispose();

        using var response = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Equal(["status"], (await anonymous.JsonAsync()).EnumerateObject().Select(p => p.Name));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Contains(body.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "store");
        Assert.Contains(body.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "docker" && c.GetProperty("ready").GetBoolean());
    }
}
