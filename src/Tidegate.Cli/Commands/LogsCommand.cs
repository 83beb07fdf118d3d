using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate logs &lt;deployment-id&gt; [--service s] [--tail n] [--since t] [--follow] [--timestamps]</c>. Lines print as
/// <c>container | text</c>; with <c>--output json</c> one JSON object per line. <c>--follow</c> ends when every container stopped.</summary>
internal static class LogsCommand
{
    public static Command Create(CliIO io)
    {
        var deployment = new Argument<string>("deployment-id");
        var service = new Option<string?>("--service", "-s") { Description = "Only this service's containers." };
        var tail = new Option<int?>("--tail", "-n") { Description = "Lines to show (default 200; with --follow 50 per container first)." };
        var since = new Option<string?>("--since") { Description = "Only lines after this time: ISO 8601 or a duration back from now (30s, 10m, 2h, 1d)." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until the containers stop (Ctrl+C to leave)." };
        var timestamps = new Option<bool>("--timestamps", "-t") { Description = "Prefix each line with its time." };
        var command = new Command("logs", "Show a deployment's container logs.") { deployment, service, tail, since, follow, timestamps };
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var id = Uri.EscapeDataString(parse.GetValue(deployment)!);
            var json = CliCommand.IsJson(parse);
            var withTime = parse.GetValue(timestamps);
            if (!parse.GetValue(follow))
            {
                var query = CliCommand.Query(("service", parse.GetValue(service)), ("tail", parse.GetValue(tail)), ("since", parse.GetValue(since)));
                var result = await api.GetAsync($"api/deployments/{id}/logs{query}", ct);
                foreach (var line in result.GetProperty("lines").EnumerateArray())
                {
                    await io.Out.WriteLineAsync(Format(line, json, withTime));
                }
                return ExitCodes.Ok;
            }
            if (parse.GetValue(since) is not null)
            {
                throw new CliException(ExitCodes.Usage, "--since cannot be combined with --follow; use --tail.");
            }
            var followQuery = CliCommand.Query(("service", parse.GetValue(service)), ("tail", parse.GetValue(tail)));
            try
            {
                using var response = await api.OpenStreamAsync($"api/deployments/{id}/logs/follow{followQuery}", null, ct);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
                string? name = null;
                var data = new StringBuilder();
                while (await reader.ReadLineAsync(ct) is { } text)
                {
                    if (text.Length > 0)
                    {
                        if (text.StartsWith("event:", StringComparison.Ordinal)) { name = text[6..].Trim(); }
                        else if (text.StartsWith("data:", StringComparison.Ordinal)) { data.Append(text[5..].TrimStart()); }
                        continue;
                    }
                    if (name == "log")
                    {
                        await io.Out.WriteLineAsync(Format(JsonDocument.Parse(data.ToString()).RootElement, json, withTime));
                        await io.Out.FlushAsync(ct);
                    }
                    else if (name == "end")
                    {
                        return ExitCodes.Ok;
                    }
                    name = null;
                    data.Clear();
                }
                throw new CliException(ExitCodes.Unreachable, "The log stream ended unexpectedly.");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ExitCodes.Ok; // Ctrl+C: leaving a follow is the normal way out
            }
        });
        return command;
    }

    internal static string Format(JsonElement line, bool json, bool withTime)
    {
        if (json)
        {
            return JsonSerializer.Serialize(line);
        }
        var time = withTime && line.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) + " "
            : "";
        var stream = line.GetProperty("stream").GetString() == "stderr" ? "!" : "|";
        return $"{time}{line.GetProperty("container").GetString()} {stream} {line.GetProperty("text").GetString()}";
    }
}
