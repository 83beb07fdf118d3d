using System.CommandLine;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate tokens list|create|revoke</c>.</summary>
internal static class TokensCommand
{
    public static Command Create(CliIO io)
    {
        var paging = new PagingOptions();
        var all = new Option<bool>("--all") { Description = "Tokens of every user (admin)." };
        var list = new Command("list", "List API tokens (masked: prefix only).") { all };
        paging.AddTo(list);
        list.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var query = CliCommand.Query([.. paging.Query(parse), ("all", parse.GetValue(all) ? "true" : null)]);
            CliCommand.Print(io, parse, await api.GetAsync("api/tokens" + query, ct), "id", "name", "prefix", "active", "expiresAt", "scopeEnvironmentId", "scopeDeploymentId");
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name");
        var days = new Option<int?>("--expires-in-days") { Description = "Lifetime in days (default: the server's maximum, Security:MaxTokenLifetime)." };
        var environment = new Option<string?>("--environment") { Description = "Scope the token to one environment id." };
        var deployment = new Option<string?>("--deployment") { Description = "Scope the token to one deployment id." };
        var create = new Command("create", "Create a token; it is printed once.") { name, days, environment, deployment };
        create.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var token = await api.SendAsync(HttpMethod.Post, "api/tokens", new
            {
                name = parse.GetValue(name), expiresInDays = parse.GetValue(days), scopeEnvironmentId = parse.GetValue(environment),
                scopeDeploymentId = parse.GetValue(deployment),
            }, ct);
            if (CliCommand.IsJson(parse))
            {
                CliCommand.Print(io, parse, token);
            }
            else
            {
                io.Out.WriteLine(token.GetProperty("token").GetString());
                io.Error.WriteLine($"Token '{token.GetProperty("name").GetString()}' ({token.GetProperty("id").GetString()}) created. It is not shown again.");
            }
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("token-id");
        var revoke = new Command("revoke", "Revoke a token.") { id };
        revoke.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            await api.SendAsync(HttpMethod.Delete, $"api/tokens/{Uri.EscapeDataString(parse.GetValue(id)!)}", null, ct);
            io.Out.WriteLine("Revoked.");
            return ExitCodes.Ok;
        });
        return new Command("tokens", "Manage API tokens.") { list, create, revoke };
    }
}
