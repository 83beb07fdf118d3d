using System.CommandLine;
using Tidegate.Cli.Client;
using Tidegate.Cli.Commands;

namespace Tidegate.Cli;

/// <summary>The <c>tidegate</c> command tree. Each command lives in its own file under Commands/.</summary>
internal static class CliApp
{
    public static RootCommand CreateRoot(CliIO? io = null)
    {
        io ??= CliIO.Console();
        var root = new RootCommand("Tidegate: safe deployments and upgrades of Docker stacks.");
        root.Options.Add(CliCommand.Output);
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(StackFileCommands.CreateConfig(io));
        root.Subcommands.Add(StackFileCommands.CreateValidate(io));
        root.Subcommands.Add(AdminCommand.Create(io));
        root.Subcommands.Add(LoginCommand.Login(io));
        root.Subcommands.Add(LoginCommand.Logout(io));
        root.Subcommands.Add(LoginCommand.Context(io));
        root.Subcommands.Add(UsersCommand.Create(io));
        root.Subcommands.Add(TokensCommand.Create(io));
        root.Subcommands.Add(AuditCommand.Create(io));
        root.Subcommands.Add(CatalogCommand.Create(io));
        root.Subcommands.Add(EnvCommand.Create(io));
        root.Subcommands.Add(OpsCommand.Create(io));
        root.Subcommands.Add(ModeCommand.Create(io));
        root.Subcommands.Add(RevisionsCommand.Create(io));
        root.Subcommands.Add(RevisionsCommand.Metadata(io));
        root.Subcommands.Add(LogsCommand.Create(io));
        root.Subcommands.Add(ObserverCommand.Create(io));
        foreach (var command in DeploymentCommands.Create(io).Concat(UpgradeCommands.Create(io)))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
        => RunAsync(args, CliIO.Console(), cancellationToken);

    /// <summary>Parse errors exit with 2 (usage), as documented in docs/cli.md.</summary>
    public static async Task<int> RunAsync(string[] args, CliIO io, CancellationToken cancellationToken = default)
    {
        var parse = CreateRoot(io).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await io.Error.WriteLineAsync($"error: {error.Message}");
            }
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = io.Out, Error = io.Error }, cancellationToken);
    }
}
