using Tidegate.Docker.Containers;

namespace Tidegate.Docker.Tests.Unit;

/// <summary>A Compose service's <c>platform</c> reaches the engine as the <c>platform</c> query parameter of
/// ContainerCreate and ImageCreate (pull), never in the create body.</summary>
public sealed class PlatformQueryTests
{
    [Theory]
    [InlineData(null, "POST /v1.41/containers/create?name=app-web-1")]
    [InlineData("", "POST /v1.41/containers/create?name=app-web-1")]
    [InlineData("linux/arm64/v8", "POST /v1.41/containers/create?name=app-web-1&platform=linux%2Farm64%2Fv8")]
    public async Task ContainerCreate_SendsThePlatformInTheQuery(string? platform, string expected)
    {
        await using var engine = new FakeEngine((_, _) => (201, """{"Id":"abc","Warnings":[]}"""));
        using var client = engine.CreateClient();

        await client.ContainerCreateAsync(new ContainerCreateRequest { Image = "web:1", Platform = platform }, "app-web-1");

        Assert.Contains(expected, engine.Requests);
    }

    [Fact]
    public void ContainerCreateBody_LeavesThePlatformOut()
    {
        var body = System.Text.Json.JsonSerializer.Serialize(new ContainerCreateRequest { Image = "web:1", Platform = "linux/amd64" });

        Assert.DoesNotContain("platform", body, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(null, "POST /v1.41/images/create?fromImage=registry.example%2Fapp&tag=1.0")]
    [InlineData("linux/amd64", "POST /v1.41/images/create?fromImage=registry.example%2Fapp&tag=1.0&platform=linux%2Famd64")]
    public async Task ImagePull_SendsThePlatformInTheQuery(string? platform, string expected)
    {
        await using var engine = new FakeEngine((_, _) => (200, """{"status":"done"}"""));
        using var client = engine.CreateClient();

        await foreach (var _ in client.ImagePullAsync("registry.example/app", "1.0", null, platform))
        {
        }

        Assert.Contains(expected, engine.Requests);
    }
}
