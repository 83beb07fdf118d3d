using System.CommandLine;

namespace Tidegate.Cli.Commands;

/// <summary><c>--limit</c> and <c>--offset</c> of list commands.</summary>
internal sealed class PagingOptions
{
    public Option<int?> Limit { get; } = new("--limit") { Description = "Items per page (1-1000, default 50)." };

    public Option<int?> Offset { get; } = new("--offset") { Description = "Items to skip." };

    public void AddTo(Command command)
    {
        command.Options.Add(Limit);
        command.Options.Add(Offset);
    }

    public (string, object?)[] Query(ParseResult parse) => [("limit", parse.GetValue(Limit)), ("offset", parse.GetValue(Offset))];
}
