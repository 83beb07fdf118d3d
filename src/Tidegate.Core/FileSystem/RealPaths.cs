namespace Tidegate.Core.FileSystem;

/// <summary>The one implementation of "where does this path really lead, and is that below a root", used wherever a
/// path written by someone else is read by the server (stack files, file observers).</summary>
internal static class RealPaths
{
    /// <summary>Links followed before a path counts as a loop (Linux' own limit is 40).</summary>
    private const int MaxLinks = 40;

    /// <summary>The path with every symbolic link and <c>..</c> resolved, component by component from the file system root
    /// (relative link targets against their directory, <c>..</c> applied after each link). Components that do not exist
    /// are taken as written (a flag file that is not there yet). Null for a link loop.</summary>
    public static string? Resolve(string fullPath)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        var pending = new Stack<string>(Split(fullPath).Reverse());
        var current = Path.GetPathRoot(fullPath) is { Length: > 0 } root ? root : "/";
        var links = 0;
        var missing = false;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Join(current, part);
            var target = missing ? null : LinkTarget(next, out missing);
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target) is { Length: > 0 } targetRoot ? targetRoot : "/";
            }

            foreach (var p in Split(target).Reverse())
            {
                pending.Push(p);
            }
        }

        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or below it (both absolute and normalised; compared
    /// by whole components, so /data/flags2 is not below /data/flags). An empty path or root is below nothing.</summary>
    public static bool IsBelow(string root, string path)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(path);
        if (root.Length == 0 || path.Length == 0)
        {
            return false;
        }

        var r = Path.TrimEndingDirectorySeparator(root);
        var p = Path.TrimEndingDirectorySeparator(path);
        if (string.Equals(Path.GetPathRoot(r), r, StringComparison.Ordinal))
        {
            return Path.IsPathFullyQualified(p);
        }

        return string.Equals(p, r, StringComparison.Ordinal)
               || p.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>The link target of <paramref name="path"/>, or null when it is no link; <paramref name="missing"/> says that it
    /// does not exist (or cannot be read), so no later component can be a link either.</summary>
    private static string? LinkTarget(string path, out bool missing)
    {
        missing = false;
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                return target;
            }

            missing = !info.Exists && !Directory.Exists(path);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            missing = true;
            return null;
        }
    }

    private static string[] Split(string path) =>
        path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
}
