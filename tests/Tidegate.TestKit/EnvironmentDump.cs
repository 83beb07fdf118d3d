namespace Tidegate.TestKit;

/// <summary>For tests of what a child process inherits: an executable script that writes the environment it was
/// started with to <see cref="Output"/>, and server-like TIDEGATE_* variables set in this process while a child starts.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EnvironmentDump : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));

    public EnvironmentDump()
    {
        Directory.CreateDirectory(_directory);
        Script = Path.Combine(_directory, "dump-env.sh");
        Output = Path.Combine(_directory, "env.txt");
        // Written under another name and renamed when complete, so a reader never sees half a file.
        File.WriteAllText(Script, "#!/bin/sh\nenv > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\n");
        File.SetUnixFileMode(Script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Run it with <see cref="Output"/> as its only argument.</summary>
    public string Script { get; }

    public string Output { get; }

    /// <summary>The server's secret settings with fresh values: the key (a valid one) and the bootstrap password.</summary>
    public IReadOnlyDictionary<string, string> ServerSecrets { get; } = new Dictionary<string, string>
    {
        ["TIDEGATE_SECRET_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD"] = "bootstrap-" + Guid.NewGuid().ToString("N"),
    };

    /// <summary>Sets <see cref="ServerSecrets"/> in this process until disposed (a child started meanwhile would inherit them).</summary>
    public IDisposable WithServerSecrets()
    {
        foreach (var (name, value) in ServerSecrets)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        return new Restore(ServerSecrets.Keys);
    }

    /// <summary>The child's environment, once it wrote it.</summary>
    public async Task<string> ReadAsync()
    {
        await Wait.UntilAsync(_ => Task.FromResult(File.Exists(Output)), "the child to write its environment");
        return await File.ReadAllTextAsync(Output);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class Restore(IEnumerable<string> names) : IDisposable
    {
        public void Dispose()
        {
            foreach (var name in names)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }
}
