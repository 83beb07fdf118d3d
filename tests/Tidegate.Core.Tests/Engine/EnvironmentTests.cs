using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Engine;

public sealed class EnvironmentTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    [Fact]
    public async Task DefaultEnvironment_IsTheLocalSocket_CreatedOnce()
    {
        var environments = new EnvironmentService(Store, new DockerEngineFactory(), TimeProvider.System);

        var again = await environments.EnsureDefaultAsync(Ct);

        Assert.Equal(Environment.Id, again.Id);
        Assert.Equal("unix:///var/run/docker.sock", again.DockerEndpoint);
        Assert.True(again.IsDefault);
        Assert.Equal(1, (await Store.Environments.ListAsync(new Page(), Ct)).Total);
    }

    [Fact]
    public async Task ConnectionTest_ReportsTheEngineVersion()
    {
        var result = await new EnvironmentService(Store, new DockerEngineFactory(), TimeProvider.System).TestAsync(Environment, Ct);

        var reachable = Assert.IsType<ConnectionTestResult.Reachable>(result);
        Assert.Matches(@"^\d+\.\d+", reachable.EngineVersion);
        Assert.Matches(@"^1\.\d+$", reachable.ApiVersion);
    }

    [Theory]
    [InlineData("unix:///nonexistent/docker.sock")]
    [InlineData("tcp://127.0.0.1:1")]
    [InlineData("not-an-endpoint")]
    public async Task ConnectionTest_OfAnUnreachableEndpoint_NamesTheEndpoint(string endpoint)
    {
        var saved = (await Store.Environments.CreateAsync(new NewEnvironment(Resources.Name("env"), endpoint), Ct)).ValueOrThrow();

        var result = await new EnvironmentService(Store, new DockerEngineFactory(), TimeProvider.System).TestAsync(saved, Ct);

        var unreachable = Assert.IsType<ConnectionTestResult.Unreachable>(result);
        Assert.StartsWith(endpoint + ": ", unreachable.Error, StringComparison.Ordinal);
    }
}
