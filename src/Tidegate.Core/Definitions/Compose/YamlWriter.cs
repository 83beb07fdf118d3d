using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Tidegate.Core.Definitions.Compose;

/// <summary>Writes plain values (ordered string-keyed dictionaries, lists, strings, numbers, booleans,
/// null) as block YAML. Quoting is decided here so the output reads back as the same values.</summary>
internal static partial class YamlWriter
{
    public static string Write(IReadOnlyList<KeyValuePair<string, object?>> root)
    {
        var sb = new StringBuilder();
        WriteMap(sb, root, 0);
        return sb.ToString();
    }

    private static void WriteMap(StringBuilder sb, IReadOnlyList<KeyValuePair<string, object?>> map, int indent)
    {
        foreach (var (key, value) in map)
        {
            sb.Append(' ', indent).Append(Scalar(key)).Append(':');
            WriteValue(sb, value, indent);
        }
    }

    private static void WriteValue(StringBuilder sb, object? value, int indent)
    {
        switch (value)
        {
            case IReadOnlyList<KeyValuePair<string, object?>> { Count: 0 }:
                sb.Append(" {}\n");
                break;
            case IReadOnlyList<KeyValuePair<string, object?>> m:
                sb.Append('\n');
                WriteMap(sb, m, indent + 2);
                break;
            case IReadOnlyList<object?> { Count: 0 }:
                sb.Append(" []\n");
                break;
            case IReadOnlyList<object?> list:
                sb.Append('\n');
                foreach (var item in list)
                {
                    sb.Append(' ', indent + 2).Append('-');
                    if (item is IReadOnlyList<KeyValuePair<string, object?>> { Count: > 0 } im)
                    {
                        // First key on the dash line, the rest aligned under it.
                        var inner = new StringBuilder();
                        WriteMap(inner, im, indent + 4);
                        sb.Append(' ').Append(inner.ToString().AsSpan(indent + 4));
                    }
                    else
                    {
                        WriteValue(sb, item, indent + 2);
                    }
                }

                break;
            default:
                sb.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    public static string Scalar(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        string s => QuoteIfNeeded(s),
        _ => QuoteIfNeeded(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
    };

    private static string QuoteIfNeeded(string s)
    {
        if (Plain().IsMatch(s) && !Reserved().IsMatch(s))
        {
            return s;
        }

        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    // Plain only when YAML cannot read it as anything but this string.
    [GeneratedRegex(@"^[A-Za-z0-9_./][A-Za-z0-9_./:@=+,()-]*$")]
    private static partial Regex Plain();

    [GeneratedRegex(@"^(?:[-+]?[0-9][0-9_.,:eExXoObB+-]*|\.[0-9].*|(?i:true|false|yes|no|on|off|y|n|null|~|\.inf|\.nan))$|:$")]
    private static partial Regex Reserved();
}
