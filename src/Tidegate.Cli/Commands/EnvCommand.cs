using System.CommandLine;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate env list|add|test</c>.</summary>
internal static class EnvCommand
{
    public static Command Create(CliIO io)
    {
        var paging = new PagingOptions();
        var list = new Command("list", "List environments.");
        paging.AddTo(list);
        list.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            CliCommand.Print(io, parse, await api.GetAsync("api/environments" + CliCommand.Query(paging.Query(parse)), ct), "id", "name", "dockerEndpoint", "isDefault");
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name");
        var endpoint = new Option<string>("--docker-endpoint") { Description = "e.g. unix:///var/run/docker.sock or tcp://host:2376.", Required = true };
        var isDefault = new Option<bool>("--default") { Description = "Make it the default environment." };
        var add = new Command("add", "Add an environment (admin).") { name, endpoint, isDefault };
        add.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var env = await api.SendAsync(HttpMethod.Post, "api/environments",
                new { name = parse.GetValue(name), dockerEndpoint = parse.GetValue(endpoint), isDefault = parse.GetValue(isDefault) }, ct);
            CliCommand.Print(io, parse, env, "id", "name", "dockerEndpoint", "isDefault");
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("environment-id");
        var test = new Command("test", "Test the Docker connection of an environment.") { id };
        test.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var result = await api.SendAsync(HttpMethod.Post, $"api/environments/{Uri.EscapeDataString(parse.GetValue(id)!)}/test", null, ct);
            CliCommand.Print(io, parse, result, "reachable", "engineVersion", "apiVersion", "error");
            return result.GetProperty("reachable").GetBoolean() ? ExitCodes.Ok : ExitCodes.OperationFailed;
        });
        return new Command("env", "Manage environments (Docker endpoints).") { list, add, test };
    }
}
