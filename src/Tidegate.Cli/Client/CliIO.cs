namespace Tidegate.Cli.Client;

/// <summary>Where a command reads and writes, and the environment it sees. Tests pass their own (HOME in a
/// temp directory, stdin from a string); the real CLI uses the console.</summary>
internal sealed record CliIO(TextReader In, TextWriter Out, TextWriter Error, Func<string, string?> GetEnvironmentVariable, bool Interactive)
{
    public static CliIO Console() => new(System.Console.In, System.Console.Out, System.Console.Error, Environment.GetEnvironmentVariable,
        !System.Console.IsInputRedirected);

    /// <summary>~/.config/tidegate (XDG_CONFIG_HOME honoured).</summary>
    public string ConfigDirectory
    {
        get
        {
            var xdg = GetEnvironmentVariable("XDG_CONFIG_HOME");
            var home = GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".config") : xdg, "tidegate");
        }
    }

    /// <summary>A secret from stdin (one line) or, on a terminal, typed without echo.</summary>
    public string? ReadSecret(string prompt)
    {
        if (!Interactive)
        {
            return In.ReadLine();
        }
        Error.Write(prompt);
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = System.Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Error.WriteLine();
                return text.ToString();
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}

/// <summary>Documented exit codes (docs/cli.md).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int OperationFailed = 1;
    public const int Usage = 2;
    public const int NotAuthenticated = 3;
    public const int NotFound = 4;
    public const int Conflict = 5;
    public const int Unreachable = 6;
}

/// <summary>An error to print as one line (plus field errors) and exit with <see cref="ExitCode"/>.</summary>
internal sealed class CliException(int exitCode, string message, IReadOnlyList<string>? details = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public IReadOnlyList<string> Details { get; } = details ?? [];
}
