using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tidegate.Docker.Transport;

/// <summary>Builds "?a=1&amp;b=2", leaving out parameters that are null so the daemon's defaults apply.</summary>
internal sealed class QueryBuilder
{
    private readonly StringBuilder _text = new();

    public QueryBuilder Add(string name, string? value)
    {
        if (value is null)
        {
            return this;
        }

        _text.Append(_text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        return this;
    }

    public QueryBuilder Add(string name, bool? value) => Add(name, value is null ? null : value.Value ? "true" : "false");

    public QueryBuilder Add(string name, long? value) => Add(name, value?.ToString(CultureInfo.InvariantCulture));

    public QueryBuilder Add(string name, IReadOnlyDictionary<string, IReadOnlyList<string>>? filters) =>
        Add(name, filters is null || filters.Count == 0 ? null : JsonSerializer.Serialize(filters));

    public QueryBuilder AddJson(string name, object? value) => Add(name, value is null ? null : JsonSerializer.Serialize(value));

    public override string ToString() => _text.ToString();
}
