using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate revisions &lt;deployment-id&gt;</c> (history, newest first, * marks the current one),
/// <c>revisions show &lt;deployment-id&gt; &lt;n&gt;</c> and <c>revisions diff &lt;deployment-id&gt; &lt;a&gt; &lt;b&gt;</c>; and
/// <c>tidegate metadata &lt;deployment-id&gt;</c> (the deployment_metadata written after every operation).</summary>
internal static class RevisionsCommand
{
    public static Command Create(CliIO io)
    {
        var deployment = new Argument<string>("deployment-id");
        var paging = new PagingOptions();
        var command = new Command("revisions", "A deployment's revision history: list, show one, diff two.") { deployment };
        command.Aliases.Add("history");
        paging.AddTo(command);
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var page = await api.GetAsync($"api/deployments/{Id(parse, deployment)}/revisions" + CliCommand.Query(paging.Query(parse)), ct);
            if (CliCommand.IsJson(parse))
            {
                CliCommand.Print(io, parse, page);
                return ExitCodes.Ok;
            }
            var rows = page.GetProperty("items").EnumerateArray().Select(r => new
            {
                current = r.GetProperty("current").GetBoolean() ? "*" : "",
                number = r.GetProperty("number").GetInt32(),
                version = r.GetProperty("version").GetString(),
                outcome = r.GetProperty("outcome").GetString(),
                createdAt = r.GetProperty("createdAt").GetDateTimeOffset().ToString("u", CultureInfo.InvariantCulture),
                createdBy = r.GetProperty("createdBy").GetString(),
                reason = r.GetProperty("reason").GetString(),
            }).ToList();
            CliCommand.Print(io, parse, JsonSerializer.SerializeToElement(new { items = rows, total = page.GetProperty("total").GetInt64() }, CliCommand.Web),
                "current", "number", "version", "outcome", "createdAt", "createdBy", "reason");
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(Show(io));
        command.Subcommands.Add(Diff(io));
        return command;
    }

    public static Command Metadata(CliIO io)
    {
        var deployment = new Argument<string>("deployment-id");
        var paging = new PagingOptions();
        var command = new Command("metadata", "Deployment metadata after each operation: revision, version, pull, deploy and health results.") { deployment };
        paging.AddTo(command);
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var page = await api.GetAsync($"api/deployments/{Id(parse, deployment)}/metadata" + CliCommand.Query(paging.Query(parse)), ct);
            CliCommand.Print(io, parse, page, "timestamp", "revision", "version", "pullResult", "deployResult", "healthResult", "operationId");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliIO io)
    {
        var deployment = new Argument<string>("deployment-id");
        var number = new Argument<int>("revision") { Description = "Revision number." };
        var command = new Command("show", "Show one revision: who, when, why, images, variables (secrets masked) and its resolved definition.") { deployment, number };
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var r = await api.GetAsync($"api/deployments/{Id(parse, deployment)}/revisions/{parse.GetValue(number).ToString(CultureInfo.InvariantCulture)}", ct);
            if (CliCommand.IsJson(parse))
            {
                CliCommand.Print(io, parse, r);
                return ExitCodes.Ok;
            }
            io.Out.WriteLine($"revision {r.GetProperty("number").GetInt32()}{(r.GetProperty("current").GetBoolean() ? " (current)" : "")}: " +
                             $"{r.GetProperty("stackId").GetString()} {r.GetProperty("version").GetString()}, {r.GetProperty("outcome").GetString()}");
            io.Out.WriteLine($"created {r.GetProperty("createdAt").GetDateTimeOffset().ToString("u", CultureInfo.InvariantCulture)} by " +
                             $"{r.GetProperty("createdBy").GetString()}: {r.GetProperty("reason").GetString()}");
            foreach (var image in r.GetProperty("imageDigests").EnumerateObject())
            {
                io.Out.WriteLine($"image {image.Name} = {image.Value.GetString()}");
            }
            io.Out.WriteLine();
            CliCommand.Print(io, parse, r.GetProperty("variables"), "name", "value", "secret");
            io.Out.WriteLine();
            io.Out.Write(r.GetProperty("definition").GetString());
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Diff(CliIO io)
    {
        var deployment = new Argument<string>("deployment-id");
        var from = new Argument<int>("from") { Description = "Revision to compare from." };
        var to = new Argument<int>("to") { Description = "Revision to compare to." };
        var command = new Command("diff", "What changed between two revisions: version, images, variables and the resolved definition.") { deployment, from, to };
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var query = CliCommand.Query(("from", parse.GetValue(from)), ("to", parse.GetValue(to)));
            var d = await api.GetAsync($"api/deployments/{Id(parse, deployment)}/revisions/diff{query}", ct);
            if (CliCommand.IsJson(parse))
            {
                CliCommand.Print(io, parse, d);
                return ExitCodes.Ok;
            }
            var version = d.GetProperty("version");
            io.Out.WriteLine($"revision {d.GetProperty("from").GetInt32()} -> {d.GetProperty("to").GetInt32()}");
            io.Out.WriteLine(version.GetProperty("from").GetString() == version.GetProperty("to").GetString()
                ? $"version: {version.GetProperty("to").GetString()} (unchanged)"
                : $"version: {version.GetProperty("from").GetString()} -> {version.GetProperty("to").GetString()}");
            foreach (var image in d.GetProperty("images").EnumerateArray())
            {
                var what = Text(image, "service") is { } service ? "service " + service : "image " + Text(image, "image");
                io.Out.WriteLine($"{what}: {Text(image, "from") ?? "(none)"} -> {Text(image, "to") ?? "(none)"}");
            }
            foreach (var variable in d.GetProperty("variables").EnumerateArray())
            {
                var name = Text(variable, "name");
                io.Out.WriteLine(Text(variable, "change") switch
                {
                    "added" => $"variable {name} added: {Text(variable, "to")}",
                    "removed" => $"variable {name} removed (was {Text(variable, "from")})",
                    _ when variable.GetProperty("secret").GetBoolean() => $"variable {name} changed (secret)",
                    _ => $"variable {name} changed: {Text(variable, "from")} -> {Text(variable, "to")}",
                });
            }
            if (d.GetProperty("definition").GetString() is { Length: > 0 } text)
            {
                io.Out.WriteLine();
                io.Out.Write(text);
            }
            else
            {
                io.Out.WriteLine("definition: unchanged");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Id(ParseResult parse, Argument<string> argument) => Uri.EscapeDataString(parse.GetValue(argument)!);

    private static string? Text(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : null;
}
