using System.CommandLine;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate ops cancel &lt;operation-id&gt; [--wait]</c>: exit 0 when cancellation was requested, 5 (conflict) with the
/// server's reason when the operation already finished or is past its point of no return.</summary>
internal static class CancelCommand
{
    public static Command Create(CliIO io)
    {
        var id = new Argument<string>("operation-id");
        var wait = new Option<bool>("--wait") { Description = "Follow the operation until it ends (it ends as Cancelled)." };
        var command = new Command("cancel", "Cancel an operation while that is still safe (before the running version is touched).") { id, wait };
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var operationId = parse.GetValue(id)!;
            var answer = await api.SendAsync(HttpMethod.Post, $"api/operations/{Uri.EscapeDataString(operationId)}/cancel", new { }, ct);
            if (CliCommand.IsJson(parse))
            {
                CliCommand.Print(io, parse, answer);
            }
            else
            {
                var phase = answer.TryGetProperty("phase", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.String ? $" (during {p.GetString()})" : "";
                io.Out.WriteLine($"cancellation of operation {operationId} requested{phase}");
            }
            if (!parse.GetValue(wait))
            {
                return ExitCodes.Ok;
            }
            // The cancelled operation ends as Cancelled, which watch reports as not succeeded; here that is the expected end.
            var code = await OpsCommand.FollowAsync(io, parse, operationId, ct);
            var status = (await api.GetAsync($"api/operations/{Uri.EscapeDataString(operationId)}", ct)).GetProperty("operation").GetProperty("status").GetString();
            return status == "Cancelled" ? ExitCodes.Ok : code;
        });
        return command;
    }
}
