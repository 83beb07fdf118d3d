using Tidegate.Docker.Transport;
using Tidegate.TestKit;

namespace Tidegate.Docker.Tests.Security;

/// <summary>The ssh transport's child starts with an allow-list of variables, never the server's TIDEGATE_* settings.</summary>
public sealed class ChildProcessBoundaryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));

    public ChildProcessBoundaryTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task SshTransportChild_DoesNotInheritTheServersSecretVariables()
    {
        var script = Path.Combine(_dir, "dump-env.sh");
        var dump = Path.Combine(_dir, "env.txt");
        // Written under another name and renamed when complete, so the wait below never reads half a file.
        await File.WriteAllTextAsync(script, "#!/bin/sh\nenv > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var password = "bootstrap-" + Guid.NewGuid().ToString("N");
        string[] names = ["TIDEGATE_SECRET_KEY", "TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD"];
        try
        {
            Environment.SetEnvironmentVariable(names[0], "a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleS0=");
            Environment.SetEnvironmentVariable(names[1], password);
            using var stream = DuplexProcessStream.Start(script, [dump]);
            await Wait.UntilAsync(_ => Task.FromResult(File.Exists(dump)), "the child to write its environment");
        }
        finally
        {
            foreach (var name in names)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }

        var environment = await File.ReadAllTextAsync(dump);
        Assert.DoesNotContain("TIDEGATE_", environment, StringComparison.Ordinal);
        Assert.DoesNotContain(password, environment, StringComparison.Ordinal);
        Assert.Contains("PATH=", environment, StringComparison.Ordinal);
    }
}
