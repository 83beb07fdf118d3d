using System.CommandLine;
using System.Text.Json;

namespace Tidegate.Cli.Client;

/// <summary>Shared plumbing of the commands: the <c>--output</c> option, error printing and exit codes.</summary>
internal static class CliCommand
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Set on the root and inherited by every command.</summary>
    public static readonly Option<string> Output = CreateOutput();

    private static Option<string> CreateOutput()
    {
        var option = new Option<string>("--output", "-o") { Description = "Output format: table or json.", DefaultValueFactory = _ => "table", Recursive = true };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }

    public static bool IsJson(ParseResult parse) => parse.GetValue(Output) == "json";

    /// <summary>Runs a command body; a CliException becomes its one-line error and exit code.</summary>
    public static void SetAction(this Command command, CliIO io, Func<ParseResult, CancellationToken, Task<int>> action)
        => command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await action(parse, ct);
            }
            catch (CliException ex)
            {
                io.Error.WriteLine($"error: {ex.Message}");
                foreach (var detail in ex.Details)
                {
                    io.Error.WriteLine($"  {detail}");
                }
                return ex.ExitCode;
            }
        });

    /// <summary>Writes the raw JSON, or a table of <paramref name="columns"/> from each item (or the object itself).</summary>
    public static void Print(CliIO io, ParseResult parse, JsonElement value, params string[] columns)
    {
        if (IsJson(parse))
        {
            io.Out.WriteLine(JsonSerializer.Serialize(value, Indented));
            return;
        }
        var items = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("items", out var list) ? list : value;
        var rows = items.ValueKind == JsonValueKind.Array ? items.EnumerateArray().ToList() : [items];
        var table = new List<string[]> { columns.Select(c => c.ToUpperInvariant()).ToArray() };
        table.AddRange(rows.Select(row => columns.Select(c => Cell(row, c)).ToArray()));
        var widths = columns.Select((_, i) => table.Max(r => r[i].Length)).ToArray();
        foreach (var row in table)
        {
            io.Out.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("total", out var total) && total.GetInt64() > rows.Count)
        {
            io.Out.WriteLine($"({rows.Count} of {total.GetInt64()}; use --limit/--offset for more)");
        }
    }

    private static string Cell(JsonElement row, string column)
        => row.ValueKind == JsonValueKind.Object && row.TryGetProperty(column, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.Null => "",
                JsonValueKind.String => v.GetString()!,
                JsonValueKind.Array => string.Join(",", v.EnumerateArray().Select(e => e.ToString())),
                _ => v.ToString(),
            }
            : "";

    public static string Query(params (string Name, object? Value)[] parameters)
    {
        var parts = parameters.Where(p => p.Value is not null)
            .Select(p => $"{p.Name}={Uri.EscapeDataString(Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture)!)}");
        var query = string.Join("&", parts);
        return query.Length == 0 ? "" : "?" + query;
    }
}
