using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tidegate.Core.Definitions.Yaml;

/// <summary>Reads YAML text into a <see cref="YNode"/> tree: aliases are expanded, merge keys
/// (<c>&lt;&lt;</c>) applied, and every YamlDotNet error becomes a diagnostic. Text of a foreign file (one a stack
/// names through include or extends) is never quoted: its errors name the kind and the position only, and its
/// scalars are marked <see cref="YScalar.Foreign"/> so later checks do not quote them either.</summary>
internal static class YamlTreeReader
{
    private const int MaxDepth = 256;

    // Aliases share one node in YamlDotNet's model but are copied here, so a tiny file of nested aliases
    // ("billion laughs") would expand to gigabytes. Real Compose files stay far below this.
    internal const int MaxNodes = 100_000;

    public static YNode? Read(string text, string file, List<Diagnostic> diagnostics, bool quoteContent = true)
    {
        if (NestingDepth(text) > MaxDepth)
        {
            // YamlDotNet builds its model recursively: thousands of '[' would overflow the stack, which no catch survives.
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, 1, 1, "", $"invalid YAML: the document nests more than {MaxDepth} levels deep"));
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            var (line, column) = quoteContent ? Locate(ex, text) : (Math.Max(1, (int)ex.Start.Line), Math.Max(1, (int)ex.Start.Column));
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, line, column, "",
                quoteContent ? "invalid YAML: " + Clean(ex) : "invalid YAML (the parser's message is not shown for a file the stack includes)"));
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, 1, 1, "",
                quoteContent ? "invalid YAML: " + ex.Message : "invalid YAML (the parser's message is not shown for a file the stack includes)"));
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            return new YMap(new Mark(file, 1, 1), []);
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Warning, file, (int)second.Line, (int)second.Column, "",
                "only the first YAML document is used; further documents are ignored"));
        }

        var converter = new Converter(file, diagnostics, !quoteContent);
        try
        {
            return converter.Convert(stream.Documents[0].RootNode, "", 0);
        }
        catch (TooManyNodesException ex)
        {
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, ex.Mark.Line, ex.Mark.Column, ex.Path,
                $"the document expands to more than {MaxNodes} nodes (aliases repeated too often?)"));
            return null;
        }
    }

    /// <summary>An upper bound of how deep the flow and block collections of <paramref name="text"/> nest, counted
    /// without parsing: flow brackets outside quotes and comments, and block indentation steps. Over-counting is harmless
    /// (the bound is far above real files); under-counting is not, so every bracket counts.</summary>
    internal static int NestingDepth(string text)
    {
        var depth = 0;
        var max = 0;
        var quote = '\0';
        var comment = false;
        var lineStart = true;
        var indent = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                comment = false;
                lineStart = true;
                indent = 0;
                continue;
            }

            if (lineStart)
            {
                if (c is ' ' or '-')
                {
                    indent++;
                    max = Math.Max(max, indent / 2);
                    continue;
                }

                lineStart = false;
            }

            if (comment)
            {
                continue;
            }

            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }

                continue;
            }

            switch (c)
            {
                case '#' when i == 0 || text[i - 1] is ' ' or '\t': comment = true; break;
                case '"' or '\'' when i == 0 || text[i - 1] is ' ' or '\t' or '[' or '{' or ',' or ':': quote = c; break;
                case '[' or '{': depth++; max = Math.Max(max, depth + (indent / 2)); break;
                case ']' or '}': depth = Math.Max(0, depth - 1); break;
            }
        }

        return max;
    }

    private sealed class TooManyNodesException(Mark mark, string path) : Exception
    {
        public Mark Mark { get; } = mark;

        public string Path { get; } = path;
    }

    private static (int Line, int Column) Locate(YamlException ex, string text)
    {
        // YamlDotNet reports an unknown alias without a useful mark; find the alias in the text instead.
        if (ex is AnchorNotFoundException)
        {
            var start = ex.Message.IndexOf('\'', StringComparison.Ordinal);
            var end = start < 0 ? -1 : ex.Message.IndexOf('\'', start + 1);
            if (end > start)
            {
                var at = text.IndexOf("*" + ex.Message[(start + 1)..end], StringComparison.Ordinal);
                if (at >= 0)
                {
                    var before = text[..at];
                    return (before.Count(c => c == '\n') + 1, at - (before.LastIndexOf('\n') + 1) + 1);
                }
            }
        }

        // A tab in indentation is reported at the enclosing mapping; point at the tab itself.
        if (ex.Message.Contains("tab", StringComparison.Ordinal))
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                if (lines[i].AsSpan(0, indent).Contains('\t'))
                {
                    return (i + 1, lines[i].IndexOf('\t', StringComparison.Ordinal) + 1);
                }
            }
        }

        return (Math.Max(1, (int)ex.Start.Line), Math.Max(1, (int)ex.Start.Column));
    }

    private static string Clean(YamlException ex)
    {
        var message = ex.InnerException?.Message ?? ex.Message;
        var idx = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && idx > 0 ? message[(idx + 3)..] : message;
    }

    private sealed class Converter(string file, List<Diagnostic> diagnostics, bool foreign)
    {
        private int _nodes;

        public YNode Convert(YamlNode node, string path, int depth)
        {
            var mark = new Mark(file, (int)node.Start.Line, (int)node.Start.Column);
            if (++_nodes > MaxNodes)
            {
                throw new TooManyNodesException(mark, path);
            }

            if (depth > MaxDepth)
            {
                diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, mark.Line, mark.Column, path,
                    "the document nests too deeply (recursive alias?)"));
                return new YScalar(mark, "");
            }

            var tag = node.Tag.IsEmpty ? null : node.Tag.Value;
            switch (node)
            {
                case YamlScalarNode scalar:
                    var style = scalar.Style switch
                    {
                        YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted => ScalarStyle.Quoted,
                        YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded => ScalarStyle.Block,
                        _ => ScalarStyle.Plain,
                    };
                    if (tag is "!!str" or "tag:yaml.org,2002:str")
                    {
                        style = ScalarStyle.Quoted;
                    }

                    return new YScalar(mark, scalar.Value ?? "", style) { Tag = KeepTag(tag), Foreign = foreign };
                case YamlSequenceNode seq:
                    var items = new List<YNode>(seq.Children.Count);
                    for (var i = 0; i < seq.Children.Count; i++)
                    {
                        items.Add(Convert(seq.Children[i], YNodeExtensions.Index(path, i), depth + 1));
                    }

                    return new YSeq(mark, items) { Tag = KeepTag(tag) };
                case YamlMappingNode map:
                    return ConvertMap(map, mark, path, depth, tag);
                default:
                    return new YScalar(mark, "");
            }
        }

        private YMap ConvertMap(YamlMappingNode map, Mark mark, string path, int depth, string? tag)
        {
            var entries = new List<YEntry>();
            var merged = new List<YEntry>();
            // Key sets keep merging linear: a map of many keys merged from many aliases must not take quadratic time.
            var mergedKeys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in map.Children)
            {
                if (keyNode is not YamlScalarNode keyScalar)
                {
                    diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, (int)keyNode.Start.Line, (int)keyNode.Start.Column, path,
                        "expected a plain key, got a complex key"));
                    continue;
                }

                var key = keyScalar.Value ?? "";
                var keyMark = new Mark(file, (int)keyNode.Start.Line, (int)keyNode.Start.Column);
                if (key == "<<" && keyScalar.Style == YamlDotNet.Core.ScalarStyle.Plain)
                {
                    var sources = valueNode is YamlSequenceNode s ? s.Children.ToList() : [valueNode];
                    foreach (var source in sources)
                    {
                        if (Convert(source, path, depth + 1) is YMap sourceMap)
                        {
                            foreach (var entry in sourceMap.Entries)
                            {
                                if (mergedKeys.Add(entry.Key.Value))
                                {
                                    merged.Add(entry);
                                }
                            }
                        }
                        else
                        {
                            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, keyMark.Line, keyMark.Column, YNodeExtensions.Join(path, "<<"),
                                "expected a mapping (or a list of mappings) to merge"));
                        }
                    }

                    continue;
                }

                entries.Add(new YEntry(new YScalar(keyMark, key, keyScalar.Style == YamlDotNet.Core.ScalarStyle.Plain ? ScalarStyle.Plain : ScalarStyle.Quoted) { Foreign = foreign },
                    Convert(valueNode, YNodeExtensions.Join(path, key), depth + 1)));
            }

            // Explicit keys win over merged ones, as the YAML merge-key specification says.
            var explicitKeys = entries.Select(e => e.Key.Value).ToHashSet(StringComparer.Ordinal);
            foreach (var entry in merged)
            {
                if (!explicitKeys.Contains(entry.Key.Value))
                {
                    entries.Add(entry);
                }
            }

            return new YMap(mark, entries) { Tag = KeepTag(tag) };
        }

        private static string? KeepTag(string? tag) => tag is "!reset" or "!override" ? tag : null;
    }
}
