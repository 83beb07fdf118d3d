namespace Tidegate.Core.Observers;

/// <summary>Path rules of file observers: the real path of a (possibly not yet existing) file and "is below a root".</summary>
internal static class ObserverPaths
{
    /// <summary>Links followed before a path counts as a loop (Linux' own limit is 40).</summary>
    private const int MaxLinks = 40;

    /// <summary>The path with every symbolic link and <c>..</c> resolved, component by component from the file system root.
    /// Components that do not exist are taken as written (a flag file that is not there yet). Null for a link loop.</summary>
    public static string? RealPath(string fullPath)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        var pending = new Stack<string>(Split(fullPath).Reverse());
        var current = Path.GetPathRoot(fullPath) ?? "/";
        var links = 0;
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
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                target = null;
            }

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
                current = Path.GetPathRoot(target) ?? "/";
            }

            foreach (var p in Split(target).Reverse())
            {
                pending.Push(p);
            }
        }

        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or below it (both absolute and normalised; compared by
    /// whole components, so /data/flags2 is not below /data/flags).</summary>
    public static bool IsUnder(string path, string root)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(root);
        var r = Path.TrimEndingDirectorySeparator(root);
        var p = Path.TrimEndingDirectorySeparator(path);
        if (r.Length == 0 || string.Equals(Path.GetPathRoot(r), r, StringComparison.Ordinal))
        {
            return Path.IsPathFullyQualified(p);
        }

        return string.Equals(p, r, StringComparison.Ordinal)
               || p.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private static string[] Split(string path) =>
        path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
}
