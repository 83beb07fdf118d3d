using System.CommandLine;
using Tidegate.Cli.Commands;

namespace Tidegate.Cli;

/// <summary>The <c>tidegate</c> command tree. Each command lives in its own file under Commands/.</summary>
internal static class CliApp
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("Tidegate: safe deployments and upgrades of Docker stacks.");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(StackFileCommands.CreateConfig());
        root.Subcommands.Add(StackFileCommands.CreateValidate());
        return root;
    }

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
        => CreateRoot().Parse(args).InvokeAsync(cancellationToken: cancellationToken);
}
