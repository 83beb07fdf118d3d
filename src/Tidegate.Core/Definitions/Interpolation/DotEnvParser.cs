using System.Text;

namespace Tidegate.Core.Definitions.Interpolation;

internal sealed record DotEnvResult(IReadOnlyDictionary<string, string> Values, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>Parses <c>.env</c> files the way docker compose does: <c>KEY=VALUE</c>, optional
/// <c>export</c>, comments, single quotes (literal), double quotes (escapes, several lines) and
/// interpolation of earlier keys in unquoted and double-quoted values. Errors give file, line and column but never
/// quote the file: a stack may name any file of its source as an env_file, and its text must not come back in a
/// message.</summary>
internal static class DotEnvParser
{
    public static DotEnvResult ParseFile(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path), path);
        }
        catch (IOException ex)
        {
            return new DotEnvResult(new Dictionary<string, string>(), [new Diagnostic(DiagnosticSeverity.Error, path, 0, 0, "", "cannot read the env file: " + ex.Message)]);
        }
        catch (UnauthorizedAccessException ex)
        {
            return new DotEnvResult(new Dictionary<string, string>(), [new Diagnostic(DiagnosticSeverity.Error, path, 0, 0, "", "cannot read the env file: " + ex.Message)]);
        }
    }

    public static DotEnvResult Parse(string text, string fileName = ".env", Func<string, string?>? outerLookup = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var diagnostics = new List<Diagnostic>();
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var pos = 0;
        var line = 1;
        while (pos < text.Length)
        {
            var lineStart = pos;
            var startLine = line;
            SkipInlineSpace(text, ref pos);
            if (pos >= text.Length)
            {
                break;
            }

            if (text[pos] == '\n' || text[pos] == '#')
            {
                SkipToLineEnd(text, ref pos, ref line);
                continue;
            }

            if (text.AsSpan(pos).StartsWith("export ") || text.AsSpan(pos).StartsWith("export\t"))
            {
                pos += 7;
                SkipInlineSpace(text, ref pos);
            }

            var keyStart = pos;
            while (pos < text.Length && text[pos] is not ('=' or '\n' or ' ' or '\t'))
            {
                pos++;
            }

            var key = text[keyStart..pos];
            var keyColumn = keyStart - lineStart + 1;
            SkipInlineSpace(text, ref pos);
            if (pos >= text.Length || text[pos] != '=')
            {
                if (IsValidKey(key) && (pos >= text.Length || text[pos] == '\n' || text[pos] == '#'))
                {
                    // A bare KEY takes its value from the outer environment, as docker compose does.
                    var outer = outerLookup?.Invoke(key);
                    if (outer is not null)
                    {
                        values[key] = outer;
                    }
                }
                else
                {
                    diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, fileName, startLine, keyColumn, "",
                        "expected KEY=VALUE (the line is not shown)"));
                }

                SkipToLineEnd(text, ref pos, ref line);
                continue;
            }

            if (!IsValidKey(key))
            {
                diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, fileName, startLine, keyColumn, "",
                    "expected a variable name ([A-Za-z_][A-Za-z0-9_.-]*) before '=' (the line is not shown)"));
                SkipToLineEnd(text, ref pos, ref line);
                continue;
            }

            pos++;
            SkipInlineSpace(text, ref pos);
            string value;
            if (pos < text.Length && text[pos] is '\'' or '"')
            {
                var quote = text[pos];
                var valueColumn = pos - lineStart + 1;
                pos++;
                var sb = new StringBuilder();
                var closed = false;
                while (pos < text.Length)
                {
                    var c = text[pos];
                    if (c == quote)
                    {
                        closed = true;
                        pos++;
                        break;
                    }

                    if (c == '\n')
                    {
                        line++;
                    }

                    if (quote == '"' && c == '\\' && pos + 1 < text.Length)
                    {
                        var n = text[pos + 1];
                        sb.Append(n switch
                        {
                            'n' => "\n",
                            'r' => "\r",
                            't' => "\t",
                            '\\' => "\\",
                            '"' => "\"",
                            '$' => "$$",
                            _ => "\\" + n,
                        });
                        pos += 2;
                        continue;
                    }

                    sb.Append(c);
                    pos++;
                }

                if (!closed)
                {
                    diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, fileName, startLine, valueColumn, key,
                        $"unterminated quoted value: missing closing {quote}"));
                    break;
                }

                value = quote == '"' ? Expand(sb.ToString(), values, outerLookup) : sb.ToString();
                SkipToLineEnd(text, ref pos, ref line);
            }
            else
            {
                var valueStart = pos;
                while (pos < text.Length && text[pos] != '\n')
                {
                    // An inline comment needs a blank before '#', so 'a#b' stays a value.
                    if (text[pos] == '#' && pos > valueStart && text[pos - 1] is ' ' or '\t')
                    {
                        break;
                    }

                    pos++;
                }

                value = Expand(text[valueStart..pos].Trim(), values, outerLookup);
                SkipToLineEnd(text, ref pos, ref line);
            }

            values[key] = value;
        }

        return new DotEnvResult(values, diagnostics);
    }

    private static string Expand(string raw, Dictionary<string, string> earlier, Func<string, string?>? outer)
    {
        var result = Interpolator.Interpolate(raw, name => earlier.TryGetValue(name, out var v) ? v : outer?.Invoke(name), InterpolationMode.Lenient);
        return result.HasErrors ? raw : result.Value;
    }

    private static bool IsValidKey(string key)
        => key.Length > 0 && Template.IsNameStart(key[0]) && key.All(c => Template.IsNameChar(c) || c is '.' or '-');

    private static void SkipInlineSpace(string text, ref int pos)
    {
        while (pos < text.Length && text[pos] is ' ' or '\t')
        {
            pos++;
        }
    }

    private static void SkipToLineEnd(string text, ref int pos, ref int line)
    {
        while (pos < text.Length && text[pos] != '\n')
        {
            pos++;
        }

        if (pos < text.Length)
        {
            pos++;
            line++;
        }
    }
}
