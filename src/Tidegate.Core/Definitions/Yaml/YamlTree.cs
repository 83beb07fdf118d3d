using System.Globalization;

namespace Tidegate.Core.Definitions.Yaml;

/// <summary>Where a node starts: file and 1-based line and column.</summary>
internal readonly record struct Mark(string File, int Line, int Column)
{
    public static readonly Mark None = new("", 0, 0);
}

internal enum ScalarStyle
{
    Plain,
    Quoted,
    Block,
}

/// <summary>A YAML node with its position. Our own immutable tree so interpolation, merging and
/// extends can build new trees without losing where each value came from.</summary>
internal abstract record YNode(Mark Mark)
{
    /// <summary>Non-standard tag such as <c>!reset</c> or <c>!override</c> (merge directives).</summary>
    public string? Tag { get; init; }
}

internal sealed record YScalar(Mark Mark, string Value, ScalarStyle Style = ScalarStyle.Plain) : YNode(Mark)
{
    /// <summary>Set when lenient interpolation could not resolve a variable in this value: typed checks
    /// skip it, because the real value is only known when the stack is resolved.</summary>
    public bool Unresolved { get; init; }

    /// <summary>Read from a file the stack named (include, extends): messages describe it without quoting it.</summary>
    public bool Foreign { get; init; }

    public bool IsNull => Style == ScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed record YEntry(YScalar Key, YNode Value);

internal sealed record YMap(Mark Mark, IReadOnlyList<YEntry> Entries) : YNode(Mark)
{
    public YNode? this[string key] => Entries.FirstOrDefault(e => e.Key.Value == key)?.Value;

    public YEntry? Find(string key) => Entries.FirstOrDefault(e => e.Key.Value == key);
}

internal sealed record YSeq(Mark Mark, IReadOnlyList<YNode> Items) : YNode(Mark);

internal static class YNodeExtensions
{
    public static bool IsNull(this YNode? node) => node is null || node is YScalar { IsNull: true };

    public static string Describe(this YNode node) => node switch
    {
        YMap => "a mapping",
        YSeq => "a sequence",
        YScalar s when s.IsNull => "null",
        YScalar { Foreign: true } => "a value of an included file (not shown)",
        YScalar s => $"'{Shorten(s.Value)}'",
        _ => "a value",
    };

    private static string Shorten(string value) => value.Length > 60 ? value[..57] + "..." : value;

    /// <summary>Converts to plain values (dictionary, list, string, null) for sections Tidegate keeps
    /// but does not type yet.</summary>
    public static object? ToPlain(this YNode node) => node switch
    {
        YScalar s when s.IsNull => null,
        YScalar s => s.Value,
        YSeq q => q.Items.Select(ToPlain).ToList(),
        YMap m => m.Entries.ToDictionary(e => e.Key.Value, e => ToPlain(e.Value), StringComparer.Ordinal),
        _ => null,
    };

    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    public static string Index(string path, int index) => path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
}
