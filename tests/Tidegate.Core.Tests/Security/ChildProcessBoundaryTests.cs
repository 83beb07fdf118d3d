using System.Security.Cryptography;
using Tidegate.Core.Catalog;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Tests.Security;

/// <summary>The boundary between the server and the processes it starts: git (catalog sources) inherits only an
/// allow-list of variables, never the server's own TIDEGATE_* settings.</summary>
public sealed class ChildProcessBoundaryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));

    public ChildProcessBoundaryTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task GitRunner_StartsItsChildWithoutTheServersSecretVariables()
    {
        var script = Path.Combine(_dir, "dump-env.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nenv > \"$1\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var dump = Path.Combine(_dir, "env.txt");
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretProtector.KeySize));
        var password = "bootstrap-" + Guid.NewGuid().ToString("N");

        string[] names = [SecretProtector.KeyEnvironmentVariable, "TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD", "TIDEGATE_UNLISTED_SETTING"];
        try
        {
            Environment.SetEnvironmentVariable(names[0], key);
            Environment.SetEnvironmentVariable(names[1], password);
            Environment.SetEnvironmentVariable(names[2], "unlisted");
            var result = await new GitCommandRunner(script, TimeSpan.FromSeconds(30))
                .RunAsync([dump], new Dictionary<string, string> { ["GIT_TERMINAL_PROMPT"] = "0" }, null, CancellationToken.None);
            Assert.Equal(0, result.ExitCode);
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
        Assert.DoesNotContain(key, environment, StringComparison.Ordinal);
        Assert.DoesNotContain(password, environment, StringComparison.Ordinal);
        Assert.Contains("GIT_TERMINAL_PROMPT=0", environment, StringComparison.Ordinal);
        Assert.Contains("PATH=", environment, StringComparison.Ordinal);
    }
}
