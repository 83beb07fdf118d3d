using Tidegate.Core.Catalog;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Security;

/// <summary>The boundary between the server and the processes it starts: git (catalog sources) inherits only an
/// allow-list of variables, never the server's own TIDEGATE_* settings.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ChildProcessBoundaryTests
{
    [Fact]
    public async Task GitRunner_StartsItsChildWithoutTheServersSecretVariables()
    {
        using var dump = new EnvironmentDump();
        using (dump.WithServerSecrets())
        {
            var result = await new GitCommandRunner(dump.Script, TimeSpan.FromSeconds(30))
                .RunAsync([dump.Output], new Dictionary<string, string> { ["GIT_TERMINAL_PROMPT"] = "0" }, null, CancellationToken.None);
            Assert.Equal(0, result.ExitCode);
        }

        var environment = await dump.ReadAsync();
        Assert.DoesNotContain("TIDEGATE_", environment, StringComparison.Ordinal);
        Assert.All(dump.ServerSecrets.Values, value => Assert.DoesNotContain(value, environment, StringComparison.Ordinal));
        Assert.Contains("GIT_TERMINAL_PROMPT=0", environment, StringComparison.Ordinal);
        Assert.Contains("PATH=", environment, StringComparison.Ordinal);
    }
}
