using System.CommandLine;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate audit [--actor] [--action] [--target] [--since] [--until]</c> (admin).</summary>
internal static class AuditCommand
{
    public static Command Create(CliIO io)
    {
        var actor = new Option<string?>("--actor") { Description = "Only entries of this actor." };
        var action = new Option<string?>("--action") { Description = "Only this action, e.g. 'PUT /api/deployments/{id}/operation-mode' or 'auth.login'." };
        var target = new Option<string?>("--target") { Description = "Only this target, e.g. 'id=...'." };
        var since = new Option<DateTimeOffset?>("--since") { Description = "From this time (ISO 8601)." };
        var until = new Option<DateTimeOffset?>("--until") { Description = "Before this time (ISO 8601)." };
        var paging = new PagingOptions();
        var command = new Command("audit", "Query the audit log (admin).") { actor, action, target, since, until };
        paging.AddTo(command);
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var query = CliCommand.Query([("actor", parse.GetValue(actor)), ("action", parse.GetValue(action)), ("target", parse.GetValue(target)),
                ("since", parse.GetValue(since)?.ToString("O")), ("until", parse.GetValue(until)?.ToString("O")), .. paging.Query(parse)]);
            CliCommand.Print(io, parse, await api.GetAsync("api/audit" + query, ct), "id", "at", "actor", "action", "target", "result", "reason");
            return ExitCodes.Ok;
        });
        return command;
    }
}
