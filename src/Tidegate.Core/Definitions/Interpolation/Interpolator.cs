using System.Text;

namespace Tidegate.Core.Definitions.Interpolation;

internal enum InterpolationMode
{
    /// <summary>Missing values are what the stack will really get: required errors are reported.</summary>
    Strict,

    /// <summary>Checking a template before values exist: missing values are marked unresolved, not errors.</summary>
    Lenient,
}

/// <summary>One finding of interpolation. <see cref="ContentFreeMessage"/> leaves out what the value itself wrote (an
/// excerpt, the text of <c>${VAR:?message}</c>), for values of files the stack includes.</summary>
internal sealed record InterpolationIssue(DiagnosticSeverity Severity, int Offset, string Message, string ContentFreeMessage)
{
    public InterpolationIssue(DiagnosticSeverity severity, int offset, string message)
        : this(severity, offset, message, message)
    {
    }
}

internal sealed record InterpolationResult(string Value, bool Unresolved, IReadOnlyList<InterpolationIssue> Issues)
{
    public bool HasErrors => Issues.Any(i => i.Severity == DiagnosticSeverity.Error);
}

/// <summary>Evaluates Compose interpolation (<c>$VAR</c>, <c>${VAR:-default}</c>, <c>${VAR:?err}</c>, ...).
/// The lookup returns null for an unset variable.</summary>
internal static class Interpolator
{
    public static InterpolationResult Interpolate(string text, Func<string, string?> lookup, InterpolationMode mode = InterpolationMode.Strict)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return new InterpolationResult(text, false, []);
        }

        var template = Template.Parse(text, out var error);
        if (error is not null)
        {
            return new InterpolationResult(text, true, [new InterpolationIssue(DiagnosticSeverity.Error, error.Offset, error.Message, error.ContentFreeMessage)]);
        }

        var issues = new List<InterpolationIssue>();
        var unresolved = false;
        var value = Evaluate(template, lookup, mode, issues, ref unresolved);
        return new InterpolationResult(value, unresolved, issues);
    }

    private static string Evaluate(Template template, Func<string, string?> lookup, InterpolationMode mode, List<InterpolationIssue> issues, ref bool unresolved)
    {
        var sb = new StringBuilder();
        foreach (var part in template.Parts)
        {
            if (part is LiteralPart literal)
            {
                sb.Append(literal.Text);
                continue;
            }

            var v = (VariablePart)part;
            var value = lookup(v.Name);
            var setAndNotEmpty = !string.IsNullOrEmpty(value);
            switch (v.Operator)
            {
                case SubstitutionOperator.None:
                    if (value is null)
                    {
                        if (mode == InterpolationMode.Lenient)
                        {
                            unresolved = true;
                        }
                        else
                        {
                            issues.Add(new InterpolationIssue(DiagnosticSeverity.Warning, v.Offset,
                                $"variable '{v.Name}' is not set; substituting an empty string"));
                        }
                    }

                    sb.Append(value);
                    break;
                case SubstitutionOperator.DefaultIfUnsetOrEmpty:
                    sb.Append(setAndNotEmpty ? value : Evaluate(v.Argument!, lookup, mode, issues, ref unresolved));
                    break;
                case SubstitutionOperator.DefaultIfUnset:
                    sb.Append(value ?? Evaluate(v.Argument!, lookup, mode, issues, ref unresolved));
                    break;
                case SubstitutionOperator.ErrorIfUnsetOrEmpty:
                case SubstitutionOperator.ErrorIfUnset:
                    var missing = v.Operator == SubstitutionOperator.ErrorIfUnset ? value is null : !setAndNotEmpty;
                    if (missing)
                    {
                        if (mode == InterpolationMode.Lenient)
                        {
                            unresolved = true;
                        }
                        else
                        {
                            var message = Evaluate(v.Argument!, lookup, mode, issues, ref unresolved);
                            var plain = $"required variable '{v.Name}' is missing a value";
                            issues.Add(new InterpolationIssue(DiagnosticSeverity.Error, v.Offset, plain + (message.Length > 0 ? ": " + message : ""), plain));
                        }
                    }
                    else
                    {
                        sb.Append(value);
                    }

                    break;
                case SubstitutionOperator.AlternativeIfSetAndNotEmpty:
                    if (setAndNotEmpty)
                    {
                        sb.Append(Evaluate(v.Argument!, lookup, mode, issues, ref unresolved));
                    }

                    break;
                case SubstitutionOperator.AlternativeIfSet:
                    if (value is not null)
                    {
                        sb.Append(Evaluate(v.Argument!, lookup, mode, issues, ref unresolved));
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>Escapes a literal value so that interpolation gives it back unchanged.</summary>
    public static string Escape(string value) => value.Replace("$", "$$", StringComparison.Ordinal);
}
