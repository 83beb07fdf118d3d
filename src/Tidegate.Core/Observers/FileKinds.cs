using System.Runtime.InteropServices;
using System.Text;

namespace Tidegate.Core.Observers;

/// <summary>What a path names, without following a link at its last component.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    Link,

    /// <summary>A device, FIFO or socket: opening it may block or read without end.</summary>
    Special,

    /// <summary>The kind could not be read (no permission on the way, an I/O error).</summary>
    Unknown,
}

/// <summary>The lstat of a path: on Linux by <c>statx(AT_SYMLINK_NOFOLLOW)</c> (whose buffer layout is the same on every
/// architecture), elsewhere from .NET's own view (links and directories; everything else counts as regular).</summary>
internal static class FileKinds
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int NoEntry = 2;
    private const int NotADirectory = 20;

    public static FileKind Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return Linux(path);
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                // An old C library without statx: .NET's view below.
            }
        }

        try
        {
            var info = new FileInfo(path);
            return info.LinkTarget is not null ? FileKind.Link
                : Directory.Exists(path) ? FileKind.Directory
                : info.Exists ? FileKind.Regular
                : FileKind.Missing;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return FileKind.Unknown;
        }
    }

    private static FileKind Linux(string path)
    {
        var name = Encoding.UTF8.GetBytes(path + "\0");
        var buffer = new byte[256];
        if (Statx(AtFdCwd, name, AtSymlinkNoFollow, StatxType, buffer) != 0)
        {
            return Marshal.GetLastPInvokeError() is NoEntry or NotADirectory ? FileKind.Missing : FileKind.Unknown;
        }

        return (BitConverter.ToUInt16(buffer, ModeOffset) & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Link,
            _ => FileKind.Special,
        };
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int directory, byte[] path, int flags, uint mask, byte[] buffer);
}
