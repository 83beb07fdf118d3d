using System.Globalization;
using Tidegate.Core.Definitions.Yaml;

namespace Tidegate.Core.Definitions.Compose;

/// <summary>Typed reads of <see cref="YNode"/> values that report "expected X, got Y" at the node's
/// position instead of throwing, so one pass collects every error of a file.</summary>
internal sealed class ParseContext(List<Diagnostic> diagnostics, string mainFile)
{
    public List<Diagnostic> Diagnostics { get; } = diagnostics;

    /// <summary>Where each key path was written, for checks that run on the typed model.</summary>
    public Dictionary<string, Mark> Positions { get; } = new(StringComparer.Ordinal);

    public void Remember(string path, YNode node) => Positions[path] = node.Mark;

    public void Error(YNode node, string path, string message)
    {
        // A value that still waits for a variable cannot be judged yet.
        if (node is YScalar { Unresolved: true })
        {
            return;
        }

        Diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, node.Mark.File, node.Mark.Line, node.Mark.Column, path, message));
    }

    public void Warning(YNode node, string path, string message)
        => Diagnostics.Add(new Diagnostic(DiagnosticSeverity.Warning, node.Mark.File, node.Mark.Line, node.Mark.Column, path, message));

    public void Unknown(YEntry entry, string path, IReadOnlySet<string>? unsupported = null)
    {
        var key = entry.Key.Value;
        Warning(entry.Key, YNodeExtensions.Join(path, key), unsupported?.Contains(key) == true
            ? $"'{key}' is not supported by Tidegate and is ignored"
            : $"unknown field '{key}' is ignored");
    }

    public YMap? Map(YNode node, string path)
    {
        if (node is YMap map)
        {
            return map;
        }

        if (!node.IsNull())
        {
            Error(node, path, $"expected a mapping, got {node.Describe()}");
        }

        return null;
    }

    public string? Str(YNode node, string path)
    {
        if (node is YScalar s)
        {
            return s.IsNull ? null : s.Value;
        }

        Error(node, path, $"expected a string, got {node.Describe()}");
        return null;
    }

    public bool? Bool(YNode node, string path)
    {
        if (node is YScalar s && !s.IsNull)
        {
            switch (s.Value.ToLowerInvariant())
            {
                case "true" or "yes" or "on" or "1": return true;
                case "false" or "no" or "off" or "0": return false;
            }
        }

        if (!node.IsNull())
        {
            Error(node, path, $"expected a boolean (true or false), got {node.Describe()}");
        }

        return null;
    }

    public int? Int(YNode node, string path, int min = int.MinValue, int max = int.MaxValue, string what = "an integer")
    {
        if (node is YScalar s && !s.IsNull && int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
        {
            return v;
        }

        if (!node.IsNull())
        {
            var range = min == int.MinValue ? "" : max == int.MaxValue ? $" >= {min}" : $" {min}-{max}";
            Error(node, path, $"expected {what}{range}, got {node.Describe()}");
        }

        return null;
    }

    public long? Long(YNode node, string path)
    {
        if (node is YScalar s && !s.IsNull && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            return v;
        }

        if (!node.IsNull())
        {
            Error(node, path, $"expected an integer, got {node.Describe()}");
        }

        return null;
    }

    public decimal? Decimal(YNode node, string path, decimal min = decimal.MinValue, decimal max = decimal.MaxValue)
    {
        if (node is YScalar s && !s.IsNull && decimal.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
        {
            return v;
        }

        if (!node.IsNull())
        {
            var range = min == decimal.MinValue ? "" : max == decimal.MaxValue ? $" >= {min.ToString(CultureInfo.InvariantCulture)}"
                : $" {min.ToString(CultureInfo.InvariantCulture)}-{max.ToString(CultureInfo.InvariantCulture)}";
            Error(node, path, $"expected a number{range}, got {node.Describe()}");
        }

        return null;
    }

    /// <summary>The most containers one service may ask for (<c>scale</c>, <c>deploy.replicas</c>): Tidegate plans each one.</summary>
    public const int MaxReplicas = 1000;

    /// <summary>The most CPUs a service may ask for; the engine turns cpus into nano-CPUs, which must fit a 64-bit number.</summary>
    public const decimal MaxCpus = 4096;

    /// <summary>The longest duration a stack file may give anywhere (healthcheck, stop_grace_period, deploy delays,
    /// x-tidegate timeouts). Tidegate waits on these durations with timers, which accept at most about 49 days; a day
    /// is far above any sensible value and keeps every sum of them in range.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);

    public TimeSpan? Duration(YNode node, string path) => Duration(node, path, MaxDuration);

    /// <summary>A Compose duration no longer than <paramref name="max"/>; anything else is an error at the node.</summary>
    public TimeSpan? Duration(YNode node, string path, TimeSpan max)
    {
        var text = Str(node, path);
        if (text is null)
        {
            return null;
        }

        var value = ValueParsers.ParseDuration(text, out var error);
        if (error is not null)
        {
            Error(node, path, error);
            return null;
        }

        if (value > max)
        {
            Error(node, path, $"expected a duration of at most {ValueParsers.FormatDuration(max)}, got {node.Describe()}");
            return null;
        }

        return value;
    }

    public long? Bytes(YNode node, string path)
    {
        var text = Str(node, path);
        if (text is null)
        {
            return null;
        }

        var value = ValueParsers.ParseBytes(text, out var error);
        if (error is not null)
        {
            Error(node, path, error);
        }

        return value;
    }

    /// <summary>A sequence of strings; a single string is accepted when <paramref name="allowSingle"/>.</summary>
    public List<string> Strings(YNode node, string path, bool allowSingle = false)
    {
        var result = new List<string>();
        switch (node)
        {
            case YSeq seq:
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    var item = Str(seq.Items[i], YNodeExtensions.Index(path, i));
                    if (item is not null)
                    {
                        result.Add(item);
                    }
                }

                break;
            case YScalar s when allowSingle && !s.IsNull:
                result.Add(s.Value);
                break;
            default:
                if (!node.IsNull())
                {
                    Error(node, path, allowSingle ? $"expected a string or a list of strings, got {node.Describe()}" : $"expected a list of strings, got {node.Describe()}");
                }

                break;
        }

        return result;
    }

    /// <summary>A mapping, or a list of <c>KEY=VALUE</c> items (environment, labels, sysctls...).
    /// A list item without a separator maps to null.</summary>
    public SortedDictionary<string, string?> Dictionary(YNode node, string path, char separator = '=')
    {
        var result = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        switch (node)
        {
            case YMap map:
                foreach (var e in map.Entries)
                {
                    if (e.Value is YScalar s)
                    {
                        result[e.Key.Value] = s.IsNull ? null : s.Value;
                        Remember(YNodeExtensions.Join(path, e.Key.Value), e.Value);
                    }
                    else
                    {
                        Error(e.Value, YNodeExtensions.Join(path, e.Key.Value), $"expected a string, number or boolean, got {e.Value.Describe()}");
                    }
                }

                break;
            case YSeq seq:
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    var itemPath = YNodeExtensions.Index(path, i);
                    var item = Str(seq.Items[i], itemPath);
                    if (item is null)
                    {
                        continue;
                    }

                    var idx = item.IndexOf(separator, StringComparison.Ordinal);
                    var key = idx < 0 ? item : item[..idx];
                    if (key.Length == 0)
                    {
                        Error(seq.Items[i], itemPath, $"expected KEY{separator}VALUE, got '{item}'");
                        continue;
                    }

                    result[key] = idx < 0 ? null : item[(idx + 1)..];
                    Remember(YNodeExtensions.Join(path, key), seq.Items[i]);
                }

                break;
            default:
                if (!node.IsNull())
                {
                    Error(node, path, $"expected a mapping or a list of KEY{separator}VALUE strings, got {node.Describe()}");
                }

                break;
        }

        return result;
    }

    public SortedDictionary<string, string> StringDictionary(YNode node, string path)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in Dictionary(node, path))
        {
            result[k] = v ?? "";
        }

        return result;
    }

    /// <summary>Paths in a file pulled in by include or extends are relative to that file; rewrite them
    /// relative to the main file so the model has one base directory.</summary>
    public string RebasePath(YNode node, string value)
    {
        var file = node.Mark.File;
        if (file.Length == 0 || mainFile.Length == 0 || file == mainFile || Path.IsPathRooted(value) || value.StartsWith('~'))
        {
            return value;
        }

        var fromDir = Path.GetDirectoryName(Path.GetFullPath(file)) ?? "";
        var mainDir = Path.GetDirectoryName(Path.GetFullPath(mainFile)) ?? "";
        var full = Path.GetFullPath(Path.Combine(fromDir, value));
        var relative = Path.GetRelativePath(mainDir, full).Replace('\\', '/');
        return relative.StartsWith('.') ? relative : "./" + relative;
    }
}
