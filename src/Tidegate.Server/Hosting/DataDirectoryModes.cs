using System.Runtime.InteropServices;

namespace Tidegate.Server.Hosting;

/// <summary>The data directory holds password and token hashes, the secret key, the edge's cookie key and configuration:
/// only Tidegate's user may read it. New files get it from the process umask (077, set at start); what an earlier version or
/// a hand-made copy left readable is fixed at start and logged.</summary>
internal static class DataDirectoryModes
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode GroupAndOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Subdirectories whose files may be bind-mounted into containers, where the file's own mode is what a non-root
    /// process in the container is checked against: their directories are made private, their files keep their modes
    /// (written secrets and configs are 0400/0444 on purpose; catalog files are the author's).</summary>
    private static readonly HashSet<string> MountSources = new(StringComparer.Ordinal) { "files", "catalog-cache" };

    /// <summary>Files created from now on by this process are private to its user (umask 077). Process-wide; Linux and macOS.</summary>
    public static void RestrictUmask()
    {
        if (!OperatingSystem.IsWindows())
        {
            _ = Umask(0b000_111_111);
        }
    }

    /// <summary>Creates the data directory 0700 (an existing one is fixed by <see cref="Fix"/>).</summary>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, OwnerOnly);
    }

    /// <summary>Removes group and other permissions from the data directory and what lies in it, never following a symbolic
    /// link. Returns what was changed, with the old mode.</summary>
    public static IReadOnlyList<(string Path, UnixFileMode Before, UnixFileMode After)> Fix(string dataDirectory)
    {
        var changed = new List<(string, UnixFileMode, UnixFileMode)>();
        if (OperatingSystem.IsWindows() || !Directory.Exists(dataDirectory))
        {
            return changed;
        }
        Restrict(new DirectoryInfo(dataDirectory), changed);
        foreach (var entry in new DirectoryInfo(dataDirectory).EnumerateFileSystemInfos())
        {
            Walk(entry, filesToo: !MountSources.Contains(entry.Name), changed);
        }
        return changed;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Walk(FileSystemInfo entry, bool filesToo, List<(string, UnixFileMode, UnixFileMode)> changed)
    {
        if (entry.LinkTarget is not null)
        {
            return;
        }
        if (entry is DirectoryInfo directory)
        {
            Restrict(directory, changed);
            foreach (var child in directory.EnumerateFileSystemInfos())
            {
                Walk(child, filesToo, changed);
            }
        }
        else if (filesToo && entry is FileInfo)
        {
            Restrict(entry, changed);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Restrict(FileSystemInfo entry, List<(string, UnixFileMode, UnixFileMode)> changed)
    {
        var before = entry.UnixFileMode;
        if ((before & GroupAndOthers) == 0)
        {
            return;
        }
        var after = before & ~GroupAndOthers;
        try
        {
            entry.UnixFileMode = after;
            changed.Add((entry.FullName, before, after));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Owned by another user (chmod is the owner's): left as it is; the start goes on.
        }
    }

    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint Umask(uint mask);
}
