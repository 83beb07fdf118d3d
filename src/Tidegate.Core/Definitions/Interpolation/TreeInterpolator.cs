using Tidegate.Core.Definitions.Yaml;
using static Tidegate.Core.Definitions.Yaml.YNodeExtensions;

namespace Tidegate.Core.Definitions.Interpolation;

/// <summary>One variable as the Compose file uses it (found by <see cref="TreeInterpolator.FindReferences"/>).</summary>
internal sealed record VariableReference(string Name, SubstitutionOperator Operator, string? Default, string? ErrorMessage, Mark Mark, string Path);

/// <summary>Applies interpolation to every value (never to keys) of a Compose tree.</summary>
internal static class TreeInterpolator
{
    // Variable declarations are Tidegate's own: their defaults are values, not templates.
    private const string SkippedPath = "x-tidegate.variables";

    public static YNode Interpolate(YNode node, Func<string, string?> lookup, InterpolationMode mode, List<Diagnostic> diagnostics, string path = "")
    {
        if (path == SkippedPath)
        {
            return node;
        }

        switch (node)
        {
            case YScalar s:
                if (!s.Value.Contains('$', StringComparison.Ordinal))
                {
                    return s;
                }

                var result = Interpolator.Interpolate(s.Value, lookup, mode);
                foreach (var issue in result.Issues)
                {
                    var (line, column) = Locate(s, issue.Offset);
                    diagnostics.Add(new Diagnostic(issue.Severity, s.Mark.File, line, column, path, s.Foreign ? issue.ContentFreeMessage : issue.Message));
                }

                // An interpolated value is a string, whatever it looks like: a value of "null", "~" or "" must not
                // turn into YAML null. Typed fields still read numbers and booleans from the text.
                return s with { Value = result.Value, Unresolved = result.Unresolved || result.HasErrors, Style = s.Style == ScalarStyle.Plain ? ScalarStyle.Quoted : s.Style };
            case YSeq q:
                var items = new List<YNode>(q.Items.Count);
                for (var i = 0; i < q.Items.Count; i++)
                {
                    items.Add(Interpolate(q.Items[i], lookup, mode, diagnostics, Index(path, i)));
                }

                return q with { Items = items };
            case YMap m:
                var entries = m.Entries.Select(e => new YEntry(e.Key, Interpolate(e.Value, lookup, mode, diagnostics, Join(path, e.Key.Value)))).ToList();
                return m with { Entries = entries };
            default:
                return node;
        }
    }

    public static List<VariableReference> FindReferences(YNode node, List<Diagnostic>? syntaxErrors = null, string path = "")
    {
        var result = new List<VariableReference>();
        Walk(node, path, result, syntaxErrors);
        return result;
    }

    private static void Walk(YNode node, string path, List<VariableReference> result, List<Diagnostic>? syntaxErrors)
    {
        if (path == SkippedPath)
        {
            return;
        }

        switch (node)
        {
            case YScalar s when s.Value.Contains('$', StringComparison.Ordinal):
                var template = Template.Parse(s.Value, out var error);
                if (error is not null)
                {
                    var (line, column) = Locate(s, error.Offset);
                    syntaxErrors?.Add(new Diagnostic(DiagnosticSeverity.Error, s.Mark.File, line, column, path, s.Foreign ? error.ContentFreeMessage : error.Message));
                    return;
                }

                foreach (var r in template.References())
                {
                    var (line, column) = Locate(s, r.Offset);
                    var argument = r.Argument is null ? null : Render(r.Argument);
                    var isDefault = r.Operator is SubstitutionOperator.DefaultIfUnset or SubstitutionOperator.DefaultIfUnsetOrEmpty;
                    var isError = r.Operator is SubstitutionOperator.ErrorIfUnset or SubstitutionOperator.ErrorIfUnsetOrEmpty;
                    result.Add(new VariableReference(r.Name, r.Operator, isDefault ? argument : null, isError ? argument : null, s.Mark with { Line = line, Column = column }, path));
                }

                break;
            case YSeq q:
                for (var i = 0; i < q.Items.Count; i++)
                {
                    Walk(q.Items[i], Index(path, i), result, syntaxErrors);
                }

                break;
            case YMap m:
                foreach (var e in m.Entries)
                {
                    Walk(e.Value, Join(path, e.Key.Value), result, syntaxErrors);
                }

                break;
        }
    }

    /// <summary>The text of a default as written (nested references kept), for showing in a form.</summary>
    private static string Render(Template template)
        => string.Concat(template.Parts.Select(p => p switch
        {
            LiteralPart l => Interpolator.Escape(l.Text),
            VariablePart v => v.Argument is null ? "${" + v.Name + "}" : "${" + v.Name + Operator(v.Operator) + Render(v.Argument) + "}",
            _ => "",
        }));

    private static string Operator(SubstitutionOperator op) => op switch
    {
        SubstitutionOperator.DefaultIfUnsetOrEmpty => ":-",
        SubstitutionOperator.DefaultIfUnset => "-",
        SubstitutionOperator.ErrorIfUnsetOrEmpty => ":?",
        SubstitutionOperator.ErrorIfUnset => "?",
        SubstitutionOperator.AlternativeIfSetAndNotEmpty => ":+",
        SubstitutionOperator.AlternativeIfSet => "+",
        _ => "",
    };

    /// <summary>Line and column of an offset inside a scalar (exact for single-line values).</summary>
    public static (int Line, int Column) Locate(YScalar s, int offset)
    {
        var text = s.Value;
        offset = Math.Clamp(offset, 0, text.Length);
        var before = text[..offset];
        var newlines = before.Count(c => c == '\n');
        if (newlines == 0 && s.Style != ScalarStyle.Block)
        {
            return (s.Mark.Line, s.Mark.Column + offset + (s.Style == ScalarStyle.Quoted ? 1 : 0));
        }

        var lineStart = before.LastIndexOf('\n') + 1;
        return (s.Mark.Line + newlines + (s.Style == ScalarStyle.Block ? 1 : 0), offset - lineStart + 1);
    }
}
