using System.Diagnostics;
using System.Text;

namespace Tidegate.TestKit;

/// <summary>The result of a finished child process.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs a child process to completion, killing it (and its children) when cancelled.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        CancellationToken cancellationToken,
        string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs and throws with the command line and stderr when the exit code is not 0.</summary>
    public static async Task<string> RunCheckedAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        CancellationToken cancellationToken,
        string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await RunAsync(fileName, arguments, cancellationToken, standardInput, environment);
        if (result.ExitCode != 0)
        {
            var text = new StringBuilder()
                .Append(fileName).Append(' ').AppendJoin(' ', arguments)
                .Append(" exited with ").Append(result.ExitCode).Append(": ")
                .Append(result.Stderr.Trim().Length > 0 ? result.Stderr.Trim() : result.Stdout.Trim());
            throw new InvalidOperationException(text.ToString());
        }

        return result.Stdout;
    }
}

/// <summary>The docker CLI, used by the kit so that fixtures do not depend on the client under test.</summary>
public static class DockerCli
{
    public static Task<string> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken, string? standardInput = null) =>
        ProcessRunner.RunCheckedAsync("docker", arguments, cancellationToken, standardInput, LegacyBuilder);

    public static Task<ProcessResult> TryRunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync("docker", arguments, cancellationToken, environment: LegacyBuilder);

    /// <summary>Lines of stdout, trimmed, without blanks.</summary>
    public static async Task<IReadOnlyList<string>> LinesAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        (await RunAsync(arguments, cancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // Debian's docker.io ships no buildx plugin; the classic builder needs no extra component.
    private static readonly Dictionary<string, string> LegacyBuilder = new() { ["DOCKER_BUILDKIT"] = "0" };
}
