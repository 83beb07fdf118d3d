using System.CommandLine;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate mode DEPLOYMENT-ID [MODE] [--reason]</c>: change a deployment's operation mode, or
/// show its mode history when no mode is given.</summary>
internal static class ModeCommand
{
    public static Command Create(CliIO io)
    {
        var deployment = new Argument<string>("deployment-id");
        var mode = new Argument<string?>("mode") { Description = "Normal, Maintenance, Migrating, Failed or Stopped.", Arity = ArgumentArity.ZeroOrOne };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the mode history and the audit log)." };
        var overriding = new Option<bool>("--override") { Description = "Admins: end a maintenance an observer started (audited)." };
        var command = new Command("mode", "Change a deployment's operation mode, or show its mode history.") { deployment, mode, reason, overriding };
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var id = Uri.EscapeDataString(parse.GetValue(deployment)!);
            if (parse.GetValue(mode) is not { } newMode)
            {
                CliCommand.Print(io, parse, await api.GetAsync($"api/deployments/{id}/operation-mode/history", ct), "at", "from", "to", "changedBy", "reason");
                return ExitCodes.Ok;
            }
            var changed = await api.SendAsync(HttpMethod.Put, $"api/deployments/{id}/operation-mode", new { newMode, reason = parse.GetValue(reason), @override = parse.GetValue(overriding) ? true : (bool?)null }, ct);
            // The containers follow in the operation; `tidegate ops watch OPERATION-ID` shows its progress.
            CliCommand.Print(io, parse, changed, "previousMode", "newMode", "changedBy", "allowedNextModes", "operationId");
            return ExitCodes.Ok;
        });
        return command;
    }
}
