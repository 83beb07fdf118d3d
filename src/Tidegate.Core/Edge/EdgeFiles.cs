namespace Tidegate.Core.Edge;

/// <summary>The edge directory holds the sticky-cookie secret (edge.json) and what deployments run where: it is 0700 and
/// its files 0600. HAProxy reads the configuration, the maintenance page and the map while it still runs as Tidegate's
/// user, before it switches to its own; the Runtime API socket is created by HAProxy with mode 600.</summary>
internal static class EdgeFiles
{
    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory 0700, or narrows an existing one and its regular files (written by an older version).</summary>
    public static void Prepare(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        File.SetUnixFileMode(directory, OwnerOnlyDirectory);
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles())
        {
            if ((file.Attributes & FileAttributes.ReparsePoint) == 0 && (file.UnixFileMode & ~OwnerOnlyFile) != 0)
            {
                file.UnixFileMode = OwnerOnlyFile;
            }
        }
    }

    /// <summary>Writes <paramref name="path"/> whole or not at all: a 0600 temp file beside it, then a rename.</summary>
    public static async Task WriteAsync(string path, string text, CancellationToken ct)
    {
        var temp = TempBeside(path);
        try
        {
            await using (var stream = new FileStream(temp, CreateOptions()))
            await using (var writer = new StreamWriter(stream))
            {
                await writer.WriteAsync(text.AsMemory(), ct);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>A 0600 file beside <paramref name="path"/> with a name of its own (for a candidate that may be thrown away).</summary>
    public static string TempBeside(string path) => $"{path}.{Guid.NewGuid():N}.tmp";

    public static FileStreamOptions CreateOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        return options;
    }
}
