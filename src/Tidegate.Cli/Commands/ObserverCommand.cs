using System.CommandLine;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate observer show DEPLOYMENT-ID</c>: the deployment's maintenance observer — where it comes from, its
/// settings (secrets masked), last value, health and who owns the current maintenance.</summary>
internal static class ObserverCommand
{
    public static Command Create(CliIO io)
    {
        var deployment = new Argument<string>("deployment-id");
        var show = new Command("show", "Show a deployment's maintenance observer and its last result.") { deployment };
        show.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var id = Uri.EscapeDataString(parse.GetValue(deployment)!);
            CliCommand.Print(io, parse, await api.GetAsync($"api/deployments/{id}/observer", ct), "type", "source", "health", "lastValue", "observedMode",
                "owner", "error");
            return ExitCodes.Ok;
        });
        return new Command("observer", "Maintenance observers.") { show };
    }
}
