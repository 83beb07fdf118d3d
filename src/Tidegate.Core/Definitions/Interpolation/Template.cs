using System.Text;

namespace Tidegate.Core.Definitions.Interpolation;

internal enum SubstitutionOperator
{
    None,
    DefaultIfUnsetOrEmpty,
    DefaultIfUnset,
    ErrorIfUnsetOrEmpty,
    ErrorIfUnset,
    AlternativeIfSetAndNotEmpty,
    AlternativeIfSet,
}

internal abstract record TemplatePart;

internal sealed record LiteralPart(string Text) : TemplatePart;

/// <summary>A <c>$NAME</c> or <c>${NAME[op arg]}</c> reference. Offset is where the <c>$</c> stands in the
/// original text.</summary>
internal sealed record VariablePart(string Name, SubstitutionOperator Operator, Template? Argument, int Offset) : TemplatePart;

/// <summary>A syntax error: <see cref="Message"/> quotes an excerpt of the value; <see cref="ContentFreeMessage"/> says the
/// same without it, for values of files the stack includes (their text is never echoed).</summary>
internal sealed record TemplateError(int Offset, string Message, string ContentFreeMessage);

/// <summary>A parsed interpolation template (12-interpolation.md).</summary>
internal sealed record Template(IReadOnlyList<TemplatePart> Parts)
{
    public static Template Parse(string text, out TemplateError? error)
    {
        var parser = new Parser(text);
        try
        {
            var template = parser.ParseUntil(closing: false, openOffset: 0);
            error = null;
            return template;
        }
        catch (TemplateSyntaxException ex)
        {
            error = new TemplateError(ex.Offset, ex.Message, "invalid interpolation format: " + ex.Reason);
            return new Template([new LiteralPart(text)]);
        }
    }

    public bool HasVariables => Parts.Any(p => p is VariablePart);

    public IEnumerable<VariablePart> References()
    {
        foreach (var part in Parts)
        {
            if (part is VariablePart v)
            {
                yield return v;
                if (v.Argument is not null)
                {
                    foreach (var inner in v.Argument.References())
                    {
                        yield return inner;
                    }
                }
            }
        }
    }

    private sealed class TemplateSyntaxException(int offset, string excerpt, string reason)
        : Exception(excerpt.Length == 0 ? "invalid interpolation format: " + reason : $"invalid interpolation format in '{excerpt}': {reason}")
    {
        public int Offset { get; } = offset;

        public string Reason { get; } = reason;
    }

    private sealed class Parser(string text)
    {
        private int _pos;

        public Template ParseUntil(bool closing, int openOffset)
        {
            var parts = new List<TemplatePart>();
            var literal = new StringBuilder();
            while (_pos < text.Length)
            {
                var c = text[_pos];
                if (closing && c == '}')
                {
                    Flush(parts, literal);
                    return new Template(parts);
                }

                if (c != '$')
                {
                    literal.Append(c);
                    _pos++;
                    continue;
                }

                var start = _pos;
                var next = _pos + 1 < text.Length ? text[_pos + 1] : '\0';
                if (next == '$')
                {
                    literal.Append('$');
                    _pos += 2;
                }
                else if (next == '{')
                {
                    Flush(parts, literal);
                    parts.Add(ParseBraced(start));
                }
                else if (IsNameStart(next))
                {
                    Flush(parts, literal);
                    _pos++;
                    var name = ReadName();
                    parts.Add(new VariablePart(name, SubstitutionOperator.None, null, start));
                }
                else
                {
                    // Compose keeps a '$' that does not start a valid reference as written.
                    literal.Append('$');
                    _pos++;
                }
            }

            if (closing)
            {
                throw new TemplateSyntaxException(openOffset, Excerpt(openOffset), "missing '}'");
            }

            Flush(parts, literal);
            return new Template(parts);
        }

        private VariablePart ParseBraced(int start)
        {
            _pos += 2;
            if (_pos >= text.Length)
            {
                throw new TemplateSyntaxException(start, "", "unterminated '${'");
            }

            if (!IsNameStart(text[_pos]))
            {
                throw new TemplateSyntaxException(start, Excerpt(start), "expected a variable name ([_a-zA-Z][_a-zA-Z0-9]*) after '${'");
            }

            var name = ReadName();
            if (_pos >= text.Length)
            {
                throw new TemplateSyntaxException(start, Excerpt(start), "missing '}'");
            }

            var op = SubstitutionOperator.None;
            var c = text[_pos];
            if (c == '}')
            {
                _pos++;
                return new VariablePart(name, op, null, start);
            }

            if (c == ':' && _pos + 1 < text.Length)
            {
                op = text[_pos + 1] switch
                {
                    '-' => SubstitutionOperator.DefaultIfUnsetOrEmpty,
                    '?' => SubstitutionOperator.ErrorIfUnsetOrEmpty,
                    '+' => SubstitutionOperator.AlternativeIfSetAndNotEmpty,
                    _ => SubstitutionOperator.None,
                };
                if (op != SubstitutionOperator.None)
                {
                    _pos += 2;
                }
            }
            else
            {
                op = c switch
                {
                    '-' => SubstitutionOperator.DefaultIfUnset,
                    '?' => SubstitutionOperator.ErrorIfUnset,
                    '+' => SubstitutionOperator.AlternativeIfSet,
                    _ => SubstitutionOperator.None,
                };
                if (op != SubstitutionOperator.None)
                {
                    _pos++;
                }
            }

            if (op == SubstitutionOperator.None)
            {
                throw new TemplateSyntaxException(start, Excerpt(start), $"expected '}}', ':-', '-', ':?', '?', ':+' or '+' after the name '{name}'");
            }

            var argument = ParseUntil(closing: true, openOffset: start);
            if (_pos >= text.Length)
            {
                throw new TemplateSyntaxException(start, Excerpt(start), "missing '}'");
            }

            _pos++;
            return new VariablePart(name, op, argument, start);
        }

        private string ReadName()
        {
            var begin = _pos;
            while (_pos < text.Length && IsNameChar(text[_pos]))
            {
                _pos++;
            }

            return text[begin.._pos];
        }

        private string Excerpt(int start)
        {
            var rest = text[start..];
            return rest.Length > 40 ? rest[..37] + "..." : rest;
        }

        private static void Flush(List<TemplatePart> parts, StringBuilder literal)
        {
            if (literal.Length > 0)
            {
                parts.Add(new LiteralPart(literal.ToString()));
                literal.Clear();
            }
        }
    }

    public static bool IsNameStart(char c) => c is '_' or (>= 'a' and <= 'z') or (>= 'A' and <= 'Z');

    public static bool IsNameChar(char c) => IsNameStart(c) || c is >= '0' and <= '9';

    public static bool IsValidName(string name) => name.Length > 0 && IsNameStart(name[0]) && name.All(IsNameChar);
}
