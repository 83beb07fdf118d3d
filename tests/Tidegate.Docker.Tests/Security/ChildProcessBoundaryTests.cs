using Tidegate.Docker.Transport;
using Tidegate.TestKit;

namespace Tidegate.Docker.Tests.Security;

/// <summary>The ssh transport's child starts with an allow-list of variables, never the server's TIDEGATE_* settings.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ChildProcessBoundaryTests
{
    [Fact]
    public async Task SshTransportChild_DoesNotInheritTheServersSecretVariables()
    {
        using var dump = new EnvironmentDump();
        string environment;
        using (dump.WithServerSecrets())
        {
            using var stream = DuplexProcessStream.Start(dump.Script, [dump.Output]);
            environment = await dump.ReadAsync();
        }

        Assert.DoesNotContain("TIDEGATE_", environment, StringComparison.Ordinal);
        Assert.All(dump.ServerSecrets.Values, value => Assert.DoesNotContain(value, environment, StringComparison.Ordinal));
        Assert.Contains("PATH=", environment, StringComparison.Ordinal);
    }
}
