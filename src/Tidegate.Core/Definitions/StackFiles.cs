using System.Collections.Concurrent;
using Tidegate.Core.FileSystem;

namespace Tidegate.Core.Definitions;

/// <summary>The files a stack reads besides its main text (include, extends, env_file), confined to the stack's source
/// root. Loaded from disk, every read is recorded so a revision can keep a copy; loaded from that copy, the stack
/// resolves exactly as it did when it ran, even after the catalog changed or the version's directory is gone.</summary>
/// <remarks>Every path a stack names is a path chosen by whoever writes the catalog source; it must not reach files of
/// the Tidegate host outside that source (the data directory, the secret key, /proc/self/environ). See
/// <see cref="Locate"/>.</remarks>
internal sealed class StackFiles
{
    /// <summary>The largest file a stack may read (main file, include, extends, env_file).</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The most files one stack may load through include and extends (repeats count; see ComposeFileLoader).</summary>
    public const int MaxFiles = 64;

    private readonly IReadOnlyDictionary<string, string>? _copy;
    private readonly ConcurrentDictionary<string, string> _read = new(StringComparer.Ordinal);
    private readonly string _realRoot;

    private readonly bool _nothing;

    private StackFiles(IReadOnlyDictionary<string, string>? copy, string root, string boundary, bool nothing = false)
    {
        _nothing = nothing;
        _copy = copy;
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        Boundary = boundary;
        _realRoot = RealPath(Root);
    }

    /// <summary>Reads the file system below <paramref name="root"/> and records what it read.</summary>
    /// <param name="boundary">How messages name the root ("the catalog source", "the stack's directory").</param>
    public static StackFiles Disk(string root, string boundary = CatalogSource) => new(null, root ?? throw new ArgumentNullException(nameof(root)), boundary);

    /// <summary>Reads the file system below the directory of <paramref name="stackFile"/> (a stack given on its own).</summary>
    public static StackFiles DiskBeside(string stackFile) => Disk(DirectoryOf(stackFile), StackDirectory);

    /// <summary>Serves only the given copy (full path → text); a file not in it does not exist. The same root rule holds
    /// as on disk, so a copy kept by an older version of Tidegate cannot serve a file outside the root.</summary>
    public static StackFiles FromCopy(IReadOnlyDictionary<string, string> files, string root, string boundary = CatalogSource)
        => new(files ?? throw new ArgumentNullException(nameof(files)), root ?? throw new ArgumentNullException(nameof(root)), boundary);

    /// <summary>Reads nothing: every path is outside (the files of a template that could not be loaded).</summary>
    public static StackFiles None { get; } = new(new Dictionary<string, string>(), "/", "no source", nothing: true);

    public const string CatalogSource = "the catalog source";

    public const string StackDirectory = "the stack's directory";

    /// <summary>The directory every file the stack names must stay below (full path, as given).</summary>
    public string Root { get; }

    /// <summary>How diagnostics name <see cref="Root"/>.</summary>
    public string Boundary { get; }

    /// <summary>Every file read so far, by full path (ordered, so the copy serializes the same way each time).</summary>
    public IReadOnlyDictionary<string, string> Read => new SortedDictionary<string, string>(_read, StringComparer.Ordinal);

    public static string DirectoryOf(string file) => Path.GetDirectoryName(Path.GetFullPath(file.Length == 0 ? "compose.yaml" : file)) ?? ".";

    /// <summary>Resolves a path as written in the stack (relative to <paramref name="baseDirectory"/>, <c>..</c> and
    /// symbolic links followed to their real target) and says whether it stays below <see cref="Root"/>. Both the
    /// written path and its real target must be below the root, so a copy (which has no links) judges a path the same
    /// way the disk did.</summary>
    public StackPath Locate(string baseDirectory, string written)
    {
        ArgumentNullException.ThrowIfNull(written);
        string full;
        try
        {
            full = Path.GetFullPath(Path.Combine(baseDirectory, written));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return new StackPath(written, false);
        }

        if (_nothing || written.Contains('\0', StringComparison.Ordinal) || !IsBelow(Root, full))
        {
            return new StackPath(full, false);
        }

        return new StackPath(full, _copy is not null || IsBelow(_realRoot, RealPath(full)));
    }

    /// <summary>As <see cref="Locate"/>, but always judged on disk (links followed) even when the stack loads from a
    /// copy: for secret and config files, which are never copied but bind-mounted from the host when the stack runs.</summary>
    public StackPath LocateOnHost(string baseDirectory, string written)
    {
        var located = Locate(baseDirectory, written);
        return located with { Inside = located.Inside && IsBelow(_realRoot, RealPath(located.FullPath)) };
    }

    public bool Exists(StackPath path) => path.Inside && (_copy is null ? File.Exists(path.FullPath) : _copy.ContainsKey(path.FullPath));

    /// <exception cref="IOException">The file cannot be read (or is not in the copy).</exception>
    /// <exception cref="StackFileTooLargeException">The file is larger than <see cref="MaxFileBytes"/>.</exception>
    /// <exception cref="InvalidOperationException">The path is outside the root (callers check <see cref="StackPath.Inside"/> first).</exception>
    public string ReadAllText(StackPath path)
    {
        if (!path.Inside)
        {
            throw new InvalidOperationException("a path outside the stack's root is never read");
        }

        string text;
        if (_copy is null)
        {
            // Read the real target that was checked, so a link swapped after the check cannot redirect the read.
            var real = RealPath(path.FullPath);
            if (!IsBelow(_realRoot, real))
            {
                throw new InvalidOperationException("a path outside the stack's root is never read");
            }

            if (new FileInfo(real) is { Exists: true, Length: > MaxFileBytes })
            {
                throw new StackFileTooLargeException();
            }

            text = File.ReadAllText(real);
        }
        else
        {
            text = _copy.TryGetValue(path.FullPath, out var kept) ? kept
                : throw new FileNotFoundException("the revision's copy of the stack has no such file", path.FullPath);
        }

        if (text.Length > MaxFileBytes)
        {
            throw new StackFileTooLargeException();
        }

        _read[path.FullPath] = text;
        return text;
    }

    private static string RealPath(string fullPath) => RealPaths.Resolve(fullPath) ?? "";

    private static bool IsBelow(string root, string path) => RealPaths.IsBelow(root, path);
}

/// <summary>A path named by a stack: its full path (as written, made absolute) and whether it stays below the root.</summary>
internal readonly record struct StackPath(string FullPath, bool Inside);

/// <summary>A file a stack reads is larger than <see cref="StackFiles.MaxFileBytes"/>.</summary>
internal sealed class StackFileTooLargeException() : IOException($"the file is larger than {StackFiles.MaxFileBytes / 1024} KiB");
