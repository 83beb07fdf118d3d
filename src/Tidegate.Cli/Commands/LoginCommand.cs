using System.CommandLine;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate login</c>, <c>tidegate logout</c> and <c>tidegate context</c>.</summary>
internal static class LoginCommand
{
    public static Command Login(CliIO io)
    {
        var server = new Option<string>("--server", "-s") { Description = "Server URL, e.g. http://127.0.0.1:8080.", Required = true };
        var username = new Option<string>("--username", "-u") { Description = "Your username.", Required = true };
        var name = new Option<string?>("--context") { Description = "Name of the saved context. Default: the server's host:port." };
        var days = new Option<int>("--expires-in-days") { Description = "Lifetime of the API token.", DefaultValueFactory = _ => 90 };
        var command = new Command("login", "Log in and save an API token for this server (password from stdin or a prompt).") { server, username, name, days };
        command.SetAction(io, async (parse, ct) =>
        {
            var password = io.ReadSecret("Password: ");
            if (string.IsNullOrEmpty(password))
            {
                throw new CliException(ExitCodes.Usage, "No password given (type it at the prompt or pipe it on stdin).");
            }
            var url = parse.GetValue(server)!.TrimEnd('/') + "/";
            using var api = new ApiClient(url, null);
            var tokenName = $"cli-{Environment.MachineName.ToLowerInvariant()}-{DateTime.UtcNow:yyyyMMddHHmmss}";
            var issued = await api.SendAsync(HttpMethod.Post, "api/auth/token",
                new { username = parse.GetValue(username), password, tokenName, expiresInDays = parse.GetValue(days) }, ct);
            var config = CliConfig.Load(io);
            var contextName = parse.GetValue(name) ?? new Uri(url).Authority;
            config.Contexts[contextName] = new CliContext
            {
                Server = url, Username = parse.GetValue(username), Token = issued.GetProperty("token").GetString(), TokenId = issued.GetProperty("id").GetString(),
            };
            config.Current = contextName;
            config.Save(io);
            io.Out.WriteLine($"Logged in to {url} as {parse.GetValue(username)} (context '{contextName}', token {issued.GetProperty("prefix").GetString()}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Logout(CliIO io)
    {
        var command = new Command("logout", "Revoke the current context's token and forget it.");
        command.SetAction(io, async (parse, ct) =>
        {
            var config = CliConfig.Load(io);
            if (config.Current is not { } current || !config.Contexts.TryGetValue(current, out var context))
            {
                throw new CliException(ExitCodes.NotAuthenticated, "Not logged in.");
            }
            if (context.TokenId is { } tokenId && context.Token is { } token)
            {
                using var api = new ApiClient(context.Server, token);
                try
                {
                    await api.SendAsync(HttpMethod.Delete, $"api/tokens/{Uri.EscapeDataString(tokenId)}", null, ct);
                }
                catch (CliException ex) when (ex.ExitCode is ExitCodes.NotAuthenticated or ExitCodes.NotFound or ExitCodes.Unreachable)
                {
                    io.Error.WriteLine($"warning: the token was not revoked on the server ({ex.Message}).");
                }
            }
            context.Token = null;
            context.TokenId = null;
            config.Save(io);
            io.Out.WriteLine($"Logged out of '{current}'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Context(CliIO io)
    {
        var use = new Command("use", "Select the context to talk to.");
        var name = new Argument<string>("name");
        use.Arguments.Add(name);
        use.SetAction(io, (parse, _) =>
        {
            var config = CliConfig.Load(io);
            var wanted = parse.GetValue(name)!;
            if (!config.Contexts.ContainsKey(wanted))
            {
                throw new CliException(ExitCodes.NotFound, $"No context named '{wanted}'. Known: {string.Join(", ", config.Contexts.Keys)}.");
            }
            config.Current = wanted;
            config.Save(io);
            io.Out.WriteLine($"Using '{wanted}'.");
            return Task.FromResult(ExitCodes.Ok);
        });
        var command = new Command("context", "Show the saved servers (the current one marked with *), or select one.") { use };
        command.SetAction(io, (parse, _) =>
        {
            var config = CliConfig.Load(io);
            var rows = config.Contexts.Select(c => new
            {
                current = c.Key == config.Current ? "*" : "", name = c.Key, server = c.Value.Server, username = c.Value.Username,
                loggedIn = c.Value.Token is not null,
            }).ToArray();
            CliCommand.Print(io, parse, System.Text.Json.JsonSerializer.SerializeToElement(rows, CliCommand.Web), "current", "name", "server", "username", "loggedIn");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
