using System.CommandLine;
using Tidegate.Core.Definitions.Interpolation;

namespace Tidegate.Cli.Client;

/// <summary>The variable options of every command that takes values: <c>--var KEY=VALUE</c>, and for secrets, which
/// must not appear in the process list or the shell history, <c>--var KEY=@FILE</c> (the file's content, one trailing
/// newline trimmed), <c>--var KEY=-</c> (standard input, likewise) and <c>--var-file FILE</c> (KEY=VALUE lines, .env
/// rules). Later sources win: the files in order, then each --var. Errors name the option, the key and the file, never a
/// value or a line of a file.</summary>
internal sealed class VariableArguments
{
    private VariableArguments(Option<string[]> var, Option<string[]> varFile)
    {
        Var = var;
        VarFile = varFile;
    }

    public Option<string[]> Var { get; }

    public Option<string[]> VarFile { get; }

    public static VariableArguments Create(string varDescription) => new(
        new Option<string[]>("--var")
        {
            Description = varDescription + " KEY=@FILE reads the value from a file, KEY=- from standard input (one trailing newline trimmed).",
            AllowMultipleArgumentsPerToken = false,
        },
        new Option<string[]>("--var-file")
        {
            Description = "A file of KEY=VALUE lines (.env rules: # comments, quotes); repeat for more, later files and --var win.",
            AllowMultipleArgumentsPerToken = false,
        });

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Var);
        command.Options.Add(VarFile);
    }

    /// <summary>The values, or a <see cref="CliException"/> (usage) naming what is wrong.</summary>
    /// <param name="isValidName">Checks a key; null accepts any key that is not empty (the server checks it).</param>
    public Dictionary<string, string> Read(ParseResult parse, CliIO io, Func<string, bool>? isValidName = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(io);
        return Read(parse.GetValue(VarFile) ?? [], parse.GetValue(Var) ?? [], io.In, isValidName);
    }

    internal static Dictionary<string, string> Read(IReadOnlyList<string> files, IReadOnlyList<string> pairs, TextReader stdin, Func<string, bool>? isValidName = null)
    {
        isValidName ??= static name => name.Length > 0;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var (key, value) in ReadFile(file))
            {
                values[key] = value;
            }
        }

        var stdinUsedBy = (string?)null;
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            if (eq <= 0 || !isValidName(key))
            {
                // Only the key is quoted: what follows '=' may be a secret.
                throw new CliException(ExitCodes.Usage, eq < 0
                    ? "--var expects KEY=VALUE, KEY=@FILE or KEY=- (no '=' given)."
                    : $"--var {key}=...: '{key}' is not a variable name.");
            }

            var text = pair[(eq + 1)..];
            if (text == "-")
            {
                if (stdinUsedBy is not null)
                {
                    throw new CliException(ExitCodes.Usage, $"--var {key}=-: standard input is already read for {stdinUsedBy}; give one of them with KEY=@FILE.");
                }

                stdinUsedBy = key;
                values[key] = TrimOneNewline(stdin.ReadToEnd());
            }
            else if (text.StartsWith("@@", StringComparison.Ordinal))
            {
                values[key] = text[1..]; // '@@' escapes a value that really starts with '@'
            }
            else if (text.StartsWith('@'))
            {
                values[key] = TrimOneNewline(ReadValueFile(key, text[1..]));
            }
            else
            {
                values[key] = text;
            }
        }

        return values;
    }

    private static string ReadValueFile(string key, string path)
    {
        if (path.Length == 0)
        {
            throw new CliException(ExitCodes.Usage, $"--var {key}=@FILE: the file name is missing.");
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"--var {key}=@{path}: the file cannot be read ({Reason(ex)}).");
        }
    }

    private static IReadOnlyDictionary<string, string> ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"--var-file {path}: the file cannot be read ({Reason(ex)}).");
        }

        // A bare KEY (no '=') would take its value from this shell's environment in a compose .env file; in a value file
        // it is a mistake (or a pasted secret), so it is an error, and nothing is read from the environment.
        var bare = 0;
        var parsed = DotEnvParser.Parse(text, path, _ =>
        {
            bare++;
            return null;
        });
        var errors = parsed.Diagnostics.Where(d => d.Severity == Core.Definitions.DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0 || bare > 0)
        {
            // The parser's messages quote the line; a value file holds secrets, so only positions are shown.
            throw new CliException(ExitCodes.Usage, $"--var-file {path}: {errors.Count + bare} line(s) are not KEY=VALUE (content not shown).",
                [.. errors.Select(d => $"line {d.Line}, column {d.Column}")]);
        }

        return parsed.Values;
    }

    private static string Reason(Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => "read error",
    };

    private static string TrimOneNewline(string value) =>
        value.EndsWith("\r\n", StringComparison.Ordinal) ? value[..^2]
        : value.EndsWith('\n') ? value[..^1]
        : value;
}
