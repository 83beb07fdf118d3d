using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate upgrade</c> (check, or upgrade to the newest or a chosen version) and <c>tidegate rollback</c>
/// (the seed's rollback after a failed upgrade, or to any revision that ran, with a preview and a confirmation).</summary>
internal static class UpgradeCommands
{
    public static IEnumerable<Command> Create(CliIO io)
    {
        yield return Upgrade(io);
        yield return Rollback(io);
    }

    private static Command Upgrade(CliIO io)
    {
        var id = new Argument<string>("deployment-id");
        var to = new Option<string>("--to") { Description = "Version to upgrade to (default: the newest in the deployment's channel)." };
        var variables = VariableArguments.Create("A new or changed variable as KEY=VALUE; repeat for more. Existing values are kept.");
        var check = new Option<bool>("--check") { Description = "Only show whether an upgrade is available (the upgrade check)." };
        var wait = new Option<bool>("--wait") { Description = "Follow the operation until it ends; exit 1 when it fails or was rolled back." };
        var command = new Command("upgrade", "Upgrade a deployment to a newer catalog version (automatic rollback on failure).") { id, to, variables.Var, variables.VarFile, check, wait };
        command.SetAction(io, async (parse, ct) =>
        {
            // Read (and checked) before anything is asked of the server, as stdin may be read only once.
            var values = variables.Read(parse, io);
            using var api = ApiClient.ForCurrentContext(io);
            var (baseUrl, _) = await ScopedAsync(api, parse.GetValue(id)!, ct);
            var result = await api.GetAsync(baseUrl + "/upgrade/check", ct);
            if (parse.GetValue(check))
            {
                if (CliCommand.IsJson(parse))
                {
                    CliCommand.Print(io, parse, result);
                    return ExitCodes.Ok;
                }
                PrintCheck(io, result);
                return ExitCodes.Ok;
            }
            if (!result.GetProperty("upgradeAvailable").GetBoolean() && parse.GetValue(to) is null)
            {
                throw new CliException(ExitCodes.Conflict, result.GetProperty("cannotUpgradeReason").GetString() ?? "No newer version available");
            }
            var stackId = result.GetProperty("latestStackId").GetString();
            var started = await api.SendAsync(HttpMethod.Post, baseUrl + "/upgrade",
                new { stackId, version = parse.GetValue(to), variables = values, sessionId = (string?)null }, ct);
            return await StartedAsync(io, parse, started, parse.GetValue(wait), ct);
        });
        return command;
    }

    private static Command Rollback(CliIO io)
    {
        var id = new Argument<string>("deployment-id");
        var revision = new Option<int?>("--to-revision") { Description = "Revision to restore (default: the seed's rollback target, else the last successful revision before the current one)." };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation (required when not on a terminal)." };
        var wait = new Option<bool>("--wait") { Description = "Follow the operation until it ends; exit 1 when it fails." };
        var command = new Command("rollback", "Roll a deployment back to an earlier revision, with a preview of what changes.") { id, revision, yes, wait };
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var (baseUrl, detail) = await ScopedAsync(api, parse.GetValue(id)!, ct);
            var info = await api.GetAsync(baseUrl + "/rollback", ct);
            var current = detail.GetProperty("deployment").GetProperty("currentRevision");
            var target = parse.GetValue(revision) ?? (info.GetProperty("rollbackTargetRevision").ValueKind == JsonValueKind.Number
                ? info.GetProperty("rollbackTargetRevision").GetInt32()
                : await PreviousSuccessfulAsync(api, parse.GetValue(id)!, current, ct));
            if (!CliCommand.IsJson(parse))
            {
                if (info.GetProperty("canRollback").GetBoolean())
                {
                    io.Out.WriteLine($"rollback available: {info.GetProperty("snapshotDescription").GetString()} " +
                                     $"(snapshot {info.GetProperty("snapshotCreatedAt").GetString()})");
                }
                await PreviewAsync(io, api, parse.GetValue(id)!, current, target, ct);
            }
            if (!parse.GetValue(yes))
            {
                if (!io.Interactive)
                {
                    throw new CliException(ExitCodes.Usage, "not on a terminal: add --yes to confirm the rollback.");
                }
                io.Error.Write($"Roll back to revision {target}? [y/N] ");
                if (io.In.ReadLine()?.Trim().ToUpperInvariant() is not ("Y" or "YES"))
                {
                    io.Out.WriteLine("cancelled; nothing changed.");
                    return ExitCodes.Ok;
                }
            }
            var started = await api.SendAsync(HttpMethod.Post, baseUrl + "/rollback", new { toRevision = target, sessionId = (string?)null }, ct);
            return await StartedAsync(io, parse, started, parse.GetValue(wait), ct);
        });
        return command;
    }

    /// <summary>The seed routes are scoped by environment: read it from the deployment.</summary>
    private static async Task<(string BaseUrl, JsonElement Detail)> ScopedAsync(ApiClient api, string deploymentId, CancellationToken ct)
    {
        var detail = await api.GetAsync($"api/deployments/{Uri.EscapeDataString(deploymentId)}", ct);
        var environmentId = detail.GetProperty("deployment").GetProperty("environmentId").GetString()!;
        return ($"api/environments/{Uri.EscapeDataString(environmentId)}/deployments/{Uri.EscapeDataString(deploymentId)}", detail);
    }

    private static async Task<int> PreviousSuccessfulAsync(ApiClient api, string deploymentId, JsonElement current, CancellationToken ct)
    {
        var revisions = await api.GetAsync($"api/deployments/{Uri.EscapeDataString(deploymentId)}/revisions?limit=1000", ct);
        var number = current.ValueKind == JsonValueKind.Number ? current.GetInt32() : int.MaxValue;
        foreach (var r in revisions.GetProperty("items").EnumerateArray())
        {
            if (r.GetProperty("number").GetInt32() < number && r.GetProperty("outcome").GetString() == "Succeeded")
            {
                return r.GetProperty("number").GetInt32();
            }
        }
        throw new CliException(ExitCodes.Conflict, "there is no successful revision before the current one to roll back to.");
    }

    /// <summary>What changes: versions, images and variables between the current revision and the target.</summary>
    private static async Task PreviewAsync(CliIO io, ApiClient api, string deploymentId, JsonElement current, int target, CancellationToken ct)
    {
        if (current.ValueKind != JsonValueKind.Number)
        {
            io.Out.WriteLine($"restoring revision {target}");
            return;
        }
        JsonElement diff;
        try
        {
            diff = await api.GetAsync($"api/deployments/{Uri.EscapeDataString(deploymentId)}/revisions/diff" +
                                      CliCommand.Query(("from", current.GetInt32()), ("to", target)), ct);
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.NotFound)
        {
            // A server without the revisions API (older) or a revision removed by retention: the rollback itself still answers precisely.
            io.Out.WriteLine($"revision {current.GetInt32().ToString(CultureInfo.InvariantCulture)} → revision {target.ToString(CultureInfo.InvariantCulture)} (no preview: {ex.Message})");
            return;
        }
        var version = diff.GetProperty("version");
        io.Out.WriteLine($"revision {current.GetInt32().ToString(CultureInfo.InvariantCulture)} ({version.GetProperty("from").GetString()}) " +
                         $"→ revision {target.ToString(CultureInfo.InvariantCulture)} ({version.GetProperty("to").GetString()})");
        foreach (var image in diff.GetProperty("images").EnumerateArray())
        {
            io.Out.WriteLine($"  image {Text(image, "service") ?? Text(image, "image")}: {Text(image, "from") ?? "-"} → {Text(image, "to") ?? "-"}");
        }
        foreach (var variable in diff.GetProperty("variables").EnumerateArray())
        {
            io.Out.WriteLine($"  variable {Text(variable, "name")} {Text(variable, "change")}: {Text(variable, "from") ?? "-"} → {Text(variable, "to") ?? "-"}");
        }
    }

    private static string? Text(JsonElement element, string property)
        => element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void PrintCheck(CliIO io, JsonElement check)
    {
        io.Out.WriteLine($"current: {check.GetProperty("currentVersion").GetString()}  latest: {check.GetProperty("latestVersion").GetString() ?? "-"}");
        io.Out.WriteLine(check.GetProperty("canUpgrade").GetBoolean()
            ? $"Upgrade available: {check.GetProperty("currentVersion").GetString()} → {check.GetProperty("latestVersion").GetString()}"
            : $"cannot upgrade: {check.GetProperty("cannotUpgradeReason").GetString()}");
        var added = check.GetProperty("newVariables").EnumerateArray().Select(v => v.GetString()).ToList();
        var removed = check.GetProperty("removedVariables").EnumerateArray().Select(v => v.GetString()).ToList();
        if (added.Count > 0)
        {
            io.Out.WriteLine("new variables: " + string.Join(", ", added));
        }
        if (removed.Count > 0)
        {
            io.Out.WriteLine("removed variables: " + string.Join(", ", removed));
        }
        foreach (var v in check.GetProperty("newerVersions").EnumerateArray())
        {
            io.Out.WriteLine($"  {v.GetProperty("version").GetString()}  {v.GetProperty("releaseNotesUrl").GetString()}");
        }
    }

    private static async Task<int> StartedAsync(CliIO io, ParseResult parse, JsonElement started, bool wait, CancellationToken ct)
    {
        var operationId = started.GetProperty("operationId").GetString()!;
        if (!wait)
        {
            CliCommand.Print(io, parse, started, "operationId", "eventsUrl");
            return ExitCodes.Ok;
        }
        if (!CliCommand.IsJson(parse))
        {
            io.Out.WriteLine($"operation {operationId}");
        }
        return await OpsCommand.FollowAsync(io, parse, operationId, ct);
    }
}
