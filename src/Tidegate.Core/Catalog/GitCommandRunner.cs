using System.Diagnostics;
using System.Text;

namespace Tidegate.Core.Catalog;

internal sealed record GitCommandResult(int ExitCode, string StandardError);

/// <summary>Runs the git CLI. Arguments never carry secrets (callers pass credentials through
/// <paramref name="environment"/>), so arguments may appear in error messages.</summary>
internal sealed class GitCommandRunner(string executable, TimeSpan timeout)
{
    public async Task<GitCommandResult> RunAsync(
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        Func<Stream, CancellationToken, Task>? readOutput,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Not the server's environment (TIDEGATE_SECRET_KEY, the bootstrap password): a repository's hooks or a
        // configured helper run as git's children and would read it.
        Secrets.ChildProcessEnvironment.Restrict(start, Secrets.ChildProcessEnvironment.Network);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var token = timeoutSource.Token;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CatalogSyncException($"git could not be started ('{executable}'): {ex.Message}", ex);
        }
        process.StandardInput.Close();

        try
        {
            var stderr = process.StandardError.ReadToEndAsync(token);
            var stdout = readOutput is null
                ? process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, token)
                : readOutput(process.StandardOutput.BaseStream, token);
            await stdout;
            // Drain what the consumer left unread so git never blocks on a full pipe.
            await process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, token);
            await process.WaitForExitAsync(token);
            return new GitCommandResult(process.ExitCode, await stderr);
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new CatalogSyncException($"git {arguments.FirstOrDefault(a => !a.StartsWith('-'))} did not finish within {timeout}.");
        }
        catch (Exception) when (!process.HasExited)
        {
            KillQuietly(process);
            throw;
        }
    }

    public async Task<string> RunForOutputAsync(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var output = new StringBuilder();
        var result = await RunAsync(arguments, environment, async (stream, ct) =>
        {
            using var text = new StreamReader(stream, leaveOpen: true);
            output.Append(await text.ReadToEndAsync(ct));
        }, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new GitCommandException(result);
        }
        return output.ToString().Trim();
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }
}

internal sealed class GitCommandException(GitCommandResult result) : Exception($"git exited with {result.ExitCode}")
{
    public GitCommandResult Result { get; } = result;
}
