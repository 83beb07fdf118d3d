namespace Tidegate.Docker;

/// <summary>Which output of a process a line came from.</summary>
public enum LogSource
{
    Stdout,
    Stderr,
}

/// <summary>One line of container or exec output, without its line terminator.</summary>
public sealed record LogLine(LogSource Stream, string Text);
