using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Tidegate.Core.Catalog;

internal sealed record GitCheckout(string Directory, string Commit);

/// <summary>Fetches one branch, tag or the default branch of a git source into the cache (a bare,
/// shallow repository per source) and exports the fetched commit into its own folder. A new commit gets a
/// new folder, so the content that is being served is never rewritten while a sync runs.</summary>
internal sealed partial class GitSourceFetcher(string cacheDirectory, GitCommandRunner git)
{
    private const string FetchedRef = "refs/tidegate/fetched";
    private const string UsernameVariable = "TIDEGATE_GIT_USERNAME";
    private const string SecretVariable = "TIDEGATE_GIT_PASSWORD";

    // git asks this script for the username and password; it answers from the environment, so the
    // secret is never in an argument list, a URL, a file or git's config.
    private const string AskPassScript = """
        #!/bin/sh
        case "$1" in
          Username*|username*) printf '%s\n' "$TIDEGATE_GIT_USERNAME" ;;
          *) printf '%s\n' "$TIDEGATE_GIT_PASSWORD" ;;
        esac
        """;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public string AskPassPath => Path.Combine(cacheDirectory, "git-askpass.sh");

    public async Task<GitCheckout> FetchAsync(CatalogSourceDefinition source, CancellationToken cancellationToken)
    {
        EnsureCacheDirectory();
        var sourceDirectory = SourceCacheDirectory(source);
        var repository = Path.Combine(sourceDirectory, "repo.git");
        var environment = Environment(source);

        if (!File.Exists(Path.Combine(repository, "HEAD")))
        {
            Directory.CreateDirectory(repository);
            await RunAsync(source, ["init", "--quiet", "--bare", repository], environment, "prepare the cache for", cancellationToken);
        }

        var remoteRef = source.Branch is { } branch ? $"refs/heads/{branch}"
            : source.Tag is { } tag ? $"refs/tags/{tag}"
            : "HEAD";
        // Shallow: the catalog needs one commit, not the history.
        await RunAsync(source,
            ["--git-dir", repository, "fetch", "--quiet", "--depth", "1", "--no-tags", "--force", "--", source.Location, $"+{remoteRef}:{FetchedRef}"],
            environment, "fetch", cancellationToken);
        var commit = await OutputAsync(source, ["--git-dir", repository, "rev-parse", "--verify", $"{FetchedRef}^{{commit}}"], environment, cancellationToken);

        var trees = Path.Combine(sourceDirectory, "trees");
        var tree = Path.Combine(trees, commit);
        if (!Directory.Exists(tree))
        {
            var partial = Path.Combine(trees, $"{commit}.partial-{Guid.NewGuid():N}");
            Directory.CreateDirectory(partial);
            try
            {
                var result = await git.RunAsync(["--git-dir", repository, "archive", "--format=tar", commit], environment,
                    (stream, ct) => TarFile.ExtractToDirectoryAsync(stream, partial, overwriteFiles: true, ct), cancellationToken);
                if (result.ExitCode != 0)
                {
                    throw Failure(source, "export", result.StandardError);
                }
                Directory.Move(partial, tree);
            }
            finally
            {
                if (Directory.Exists(partial))
                {
                    Directory.Delete(partial, recursive: true);
                }
            }
        }
        return new GitCheckout(tree, commit);
    }

    /// <summary>Deletes exported commits other than <paramref name="keep"/>; callers keep the one being
    /// served and the one before it, so a reader holding the older content still finds its files.</summary>
    public void Prune(CatalogSourceDefinition source, IReadOnlyCollection<string> keep)
    {
        var trees = Path.Combine(SourceCacheDirectory(source), "trees");
        if (!Directory.Exists(trees))
        {
            return;
        }
        foreach (var directory in Directory.EnumerateDirectories(trees))
        {
            if (!keep.Contains(Path.GetFileName(directory)))
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                    // a later sync tries again
                }
            }
        }
    }

    public string SourceCacheDirectory(CatalogSourceDefinition source)
    {
        // The key changes with the URL so a source re-pointed elsewhere never reuses a foreign cache.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source.Location)))[..12];
        return Path.Combine(cacheDirectory, "git", $"{source.Id}-{hash}");
    }

    private Dictionary<string, string> Environment(CatalogSourceDefinition source)
    {
        var environment = new Dictionary<string, string>
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["LC_ALL"] = "C",
            // No stored credential helper may answer for us or store our secret.
            ["GIT_CONFIG_COUNT"] = "1",
            ["GIT_CONFIG_KEY_0"] = "credential.helper",
            ["GIT_CONFIG_VALUE_0"] = "",
            [UsernameVariable] = "",
            [SecretVariable] = "",
        };
        if (source.Credentials is { } credentials)
        {
            EnsureAskPassScript();
            environment["GIT_ASKPASS"] = AskPassPath;
            environment[UsernameVariable] = credentials.Username;
            environment[SecretVariable] = credentials.Secret;
        }
        else
        {
            environment["GIT_ASKPASS"] = "/bin/false";
        }
        return environment;
    }

    /// <summary>git executes the askpass script from this directory, so another user able to write
    /// here could run code as us and read the secret.</summary>
    private void EnsureCacheDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(cacheDirectory);
            return;
        }
        if (!Directory.Exists(cacheDirectory))
        {
            Directory.CreateDirectory(cacheDirectory, OwnerOnly);
        }
        if (new DirectoryInfo(cacheDirectory).LinkTarget is not null)
        {
            throw new CatalogSyncException($"the catalog cache directory '{cacheDirectory}' is a symbolic link; configure a real directory");
        }
        var mode = File.GetUnixFileMode(cacheDirectory);
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new CatalogSyncException($"the catalog cache directory '{cacheDirectory}' is writable by other users; use a directory only this user can write");
        }
        try
        {
            // Only the owner (or root) may change a mode, so re-applying the current one proves ownership without a native stat.
            File.SetUnixFileMode(cacheDirectory, mode);
        }
        catch (UnauthorizedAccessException)
        {
            throw new CatalogSyncException($"the catalog cache directory '{cacheDirectory}' is not owned by the current user");
        }
    }

    // Written every time: a script that already exists may have been planted, so it is never trusted.
    private void EnsureAskPassScript()
    {
        var temporary = $"{AskPassPath}.{Guid.NewGuid():N}";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }
        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(AskPassScript.ReplaceLineEndings("\n") + "\n"));
            }
            File.Move(temporary, AskPassPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private async Task RunAsync(CatalogSourceDefinition source, string[] arguments, Dictionary<string, string> environment, string action, CancellationToken cancellationToken)
    {
        var result = await git.RunAsync(arguments, environment, null, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw Failure(source, action, result.StandardError);
        }
    }

    private async Task<string> OutputAsync(CatalogSourceDefinition source, string[] arguments, Dictionary<string, string> environment, CancellationToken cancellationToken)
    {
        try
        {
            return await git.RunForOutputAsync(arguments, environment, cancellationToken);
        }
        catch (GitCommandException ex)
        {
            throw Failure(source, "resolve", ex.Result.StandardError);
        }
    }

    private static CatalogSyncException Failure(CatalogSourceDefinition source, string action, string standardError)
    {
        var what = source.Branch is not null ? $"branch '{source.Branch}'"
            : source.Tag is not null ? $"tag '{source.Tag}'"
            : "the default branch";
        var detail = string.Join(" ", standardError
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.StartsWith("fatal: ", StringComparison.Ordinal) ? line[7..] : line));
        return new CatalogSyncException(Redact(source, $"git could not {action} {what} of {source.Location}: {detail}"));
    }

    /// <summary>Removes the secret and any user-info from URLs that git may echo back.</summary>
    public static string Redact(CatalogSourceDefinition source, string text)
    {
        if (source.Credentials is { Secret.Length: > 0 } credentials)
        {
            text = text.Replace(credentials.Secret, "***", StringComparison.Ordinal);
        }
        return UserInfo().Replace(text, "://***@");
    }

    [GeneratedRegex(@"://[^/@\s]+@")]
    private static partial Regex UserInfo();
}
