using System.CommandLine;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate ops list|show|watch</c>. watch follows the operation's SSE stream (resuming with
/// Last-Event-ID after a dropped connection) and exits 0 on success, 1 on failure.</summary>
internal static class OpsCommand
{
    private const int MaxReconnects = 5;

    public static Command Create(CliIO io)
    {
        var paging = new PagingOptions();
        var deployment = new Option<string?>("--deployment") { Description = "Only operations of this deployment id." };
        var status = new Option<string?>("--status") { Description = "Only operations in this status." };
        var list = new Command("list", "List operations, newest first.") { deployment, status };
        paging.AddTo(list);
        list.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var query = CliCommand.Query([("deploymentId", parse.GetValue(deployment)), ("status", parse.GetValue(status)), .. paging.Query(parse)]);
            CliCommand.Print(io, parse, await api.GetAsync("api/operations" + query, ct), "id", "kind", "status", "deploymentName", "phase", "percent", "createdAt");
            return ExitCodes.Ok;
        });

        var showId = new Argument<string>("operation-id");
        var show = new Command("show", "Show an operation with its steps.") { showId };
        show.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var detail = await api.GetAsync($"api/operations/{Uri.EscapeDataString(parse.GetValue(showId)!)}", ct);
            if (CliCommand.IsJson(parse))
            {
                CliCommand.Print(io, parse, detail);
                return ExitCodes.Ok;
            }
            CliCommand.Print(io, parse, detail.GetProperty("operation"), "id", "kind", "status", "deploymentName", "requestedBy", "error");
            io.Out.WriteLine();
            CliCommand.Print(io, parse, detail.GetProperty("steps"), "seq", "name", "status", "startedAt", "finishedAt");
            return ExitCodes.Ok;
        });

        var watchId = new Argument<string>("operation-id");
        var watch = new Command("watch", "Follow an operation's progress until it ends.") { watchId };
        watch.SetAction(io, (parse, ct) => FollowAsync(io, parse, parse.GetValue(watchId)!, ct));
        return new Command("ops", "Operations: list, show, watch and cancel.") { list, show, watch, CancelCommand.Create(io) };
    }

    /// <summary>Follows an operation until it ends (a progress bar on a terminal, lines otherwise); 0 on success, 1 on failure.</summary>
    public static async Task<int> FollowAsync(CliIO io, ParseResult parse, string id, CancellationToken ct)
    {
        if (!io.Interactive || CliCommand.IsJson(parse))
        {
            return await WatchAsync(io, id, (kind, e) => Print(io, parse, kind, e), ct);
        }
        // On a terminal: a live progress bar with phase and service counter, then the outcome line.
        var last = "";
        var code = await AnsiConsole.Progress().AutoClear(false).StartAsync(async progress =>
        {
            var bar = progress.AddTask($"operation {id}", maxValue: 100);
            return await WatchAsync(io, id, (kind, e) =>
            {
                last = Describe(kind, e);
                if (Text(e, "percentComplete") is { } p && double.TryParse(p, System.Globalization.CultureInfo.InvariantCulture, out var percent))
                {
                    bar.Value = percent;
                }
                bar.Description = Markup.Escape(last);
            }, ct);
        });
        io.Out.WriteLine(last);
        return code;
    }

    private static async Task<int> WatchAsync(CliIO io, string operationId, Action<string, JsonElement> onEvent, CancellationToken ct)
    {
        using var api = ApiClient.ForCurrentContext(io);
        string? lastId = null;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await api.OpenStreamAsync($"api/operations/{Uri.EscapeDataString(operationId)}/events", lastId, ct);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
                string? id = null, name = null;
                var data = new StringBuilder();
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    if (line.Length > 0)
                    {
                        if (line.StartsWith("id:", StringComparison.Ordinal)) { id = line[3..].Trim(); }
                        else if (line.StartsWith("event:", StringComparison.Ordinal)) { name = line[6..].Trim(); }
                        else if (line.StartsWith("data:", StringComparison.Ordinal)) { data.Append(line[5..].TrimStart()); }
                        continue;
                    }
                    if (name is null)
                    {
                        continue;
                    }
                    lastId = id ?? lastId;
                    var payload = data.Length > 0 ? JsonDocument.Parse(data.ToString()).RootElement.Clone() : default;
                    onEvent(name, payload);
                    if (name is "completed")
                    {
                        return ExitCodes.Ok;
                    }
                    if (name is "failed")
                    {
                        return ExitCodes.OperationFailed;
                    }
                    if (name is "end")
                    {
                        return payload.GetProperty("status").GetString() is "Succeeded" ? ExitCodes.Ok : ExitCodes.OperationFailed;
                    }
                    (id, name) = (null, null);
                    data.Clear();
                }
            }
            catch (IOException) when (attempt < MaxReconnects)
            {
                // dropped connection: resume after the last event seen
            }
            catch (HttpRequestException) when (attempt < MaxReconnects)
            {
            }
            if (attempt >= MaxReconnects)
            {
                throw new CliException(ExitCodes.Unreachable, "The event stream ended before the operation did.");
            }
        }
    }

    private static void Print(CliIO io, ParseResult parse, string kind, JsonElement e)
    {
        if (CliCommand.IsJson(parse))
        {
            io.Out.WriteLine(JsonSerializer.Serialize(new { @event = kind, data = e }));
            return;
        }
        io.Out.WriteLine(Describe(kind, e));
    }

    private static string Describe(string kind, JsonElement e)
    {
        if (kind is "end")
        {
            return $"Operation already ended: {Text(e, "status")}";
        }
        var services = Text(e, "servicesTotal") is { } total ? $" ({Text(e, "servicesCompleted") ?? "0"}/{total} services)" : "";
        var percent = Text(e, "percentComplete") is { } p ? $"[{p,3}%] " : "       ";
        var outcome = kind switch { "completed" => "Completed: ", "failed" => "FAILED: ", _ => "" };
        return $"{percent}{outcome}{Text(e, "phase")}{(Text(e, "message") is { } m ? " - " + m : "")}{services}";
    }

    private static string? Text(JsonElement e, string name)
        => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : null;
}
