using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tidegate.Core.Secrets;

/// <summary>The clear values of every secret an operation can touch (stack and environment secret variables,
/// registry, git and observer credentials), and the one function that hides them in any text Tidegate shows or
/// stores: definitions, diffs, snapshots, labels, progress messages, errors and log lines. Masking is by value,
/// so a secret is hidden wherever it ended up, whatever the stack declares.</summary>
/// <remarks>Values shorter than <see cref="MinimumLength"/> are not masked by value: replacing every "1" or "yes"
/// in a text would garble it while protecting nothing (a value that short is guessed, not read). Fields declared
/// secret are masked by name where they are rendered, whatever their length.
/// Besides the value itself, the forms it takes inside output are masked too: JSON- and YAML-escaped, and each
/// line of a multi-line value (a rendered block scalar indents every line).</remarks>
internal sealed class SecretValues
{
    public const int MinimumLength = 4;

    public static readonly SecretValues None = new([]);

    private static readonly JsonSerializerOptions StrictJson = new() { Encoder = JavaScriptEncoder.Default };
    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // The longest first, so an interval found for a long needle is never split by a shorter one inside it.
    private readonly string[] _needles;

    public SecretValues(IEnumerable<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Values = values.Where(IsMaskable).Select(v => v!).Distinct(StringComparer.Ordinal).ToArray();
        _needles = Values.SelectMany(Forms).Where(IsMaskable).Distinct(StringComparer.Ordinal)
            .OrderByDescending(n => n.Length).ThenBy(n => n, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The clear values that are masked (those of at least <see cref="MinimumLength"/> characters).</summary>
    public IReadOnlyList<string> Values { get; }

    public bool IsEmpty => _needles.Length == 0;

    public SecretValues With(IEnumerable<string?> more) => new(Values.Concat(more ?? []));

    /// <summary>The text with every occurrence of a secret (in any of its forms) replaced by <see cref="Masked.Value"/>.</summary>
    public string Mask(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_needles.Length == 0 || text.Length < MinimumLength)
        {
            return text;
        }

        // A pass replaces the union of all occurrences at once. Only a secret that itself contains the mask character
        // can appear again across a replaced span; each further pass removes at least one of its other characters, so
        // this ends.
        var current = text;
        while (MaskOnce(current) is { } masked)
        {
            current = masked;
        }

        return current;
    }

    public string? MaskOrNull(string? text) => text is null ? null : Mask(text);

    /// <summary>Masks every string value of a JSON document in place (property names and structure stay as they are, so
    /// it still reads); returns the masked node, a new one when <paramref name="node"/> itself is a string.</summary>
    public JsonNode? MaskStrings(JsonNode? node)
    {
        switch (node)
        {
            case JsonValue v when v.TryGetValue<string>(out var text):
                return JsonValue.Create(Mask(text));
            case JsonObject o:
                foreach (var (key, child) in o.ToList())
                {
                    if (child is JsonValue && MaskStrings(child) is { } masked && !ReferenceEquals(masked, child))
                    {
                        o[key] = masked;
                    }
                    else if (child is not null)
                    {
                        MaskStrings(child);
                    }
                }

                return o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue value && MaskStrings(value) is { } masked && !ReferenceEquals(masked, value))
                    {
                        a[i] = masked;
                    }
                    else if (a[i] is { } child)
                    {
                        MaskStrings(child);
                    }
                }

                return a;
            default:
                return node;
        }
    }

    /// <summary>Null when nothing was found.</summary>
    private string? MaskOnce(string text)
    {
        bool[]? covered = null;
        foreach (var needle in _needles)
        {
            for (var at = text.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = text.IndexOf(needle, at + 1, StringComparison.Ordinal))
            {
                covered ??= new bool[text.Length];
                Array.Fill(covered, true, at, needle.Length);
            }
        }

        if (covered is null)
        {
            return null;
        }

        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (!covered[i])
            {
                result.Append(text[i]);
            }
            else if (i == 0 || !covered[i - 1])
            {
                result.Append(Masked.Value);
            }
        }

        return result.ToString();
    }

    private static bool IsMaskable(string? value) =>
        value is not null && value.Length >= MinimumLength && value.Any(c => c != Masked.Value[0]);

    private static IEnumerable<string> Forms(string value)
    {
        var lines = value.Split('\n').Select(l => l.TrimEnd('\r').Trim()).Where(l => l.Length > 0);
        foreach (var form in lines.Prepend(value))
        {
            yield return form;
            yield return JsonSerializer.Serialize(form, StrictJson)[1..^1];
            yield return JsonSerializer.Serialize(form, RelaxedJson)[1..^1];
            yield return YamlEscaped(form);
        }
    }

    // ComposeRenderer's double-quoted form (the JSON forms differ for control characters only).
    private static string YamlEscaped(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return sb.ToString();
    }
}
