using System.Collections.Concurrent;

namespace Tidegate.Core.Definitions;

/// <summary>The files a stack reads besides its main text (include, extends, env_file). Loaded from disk, every read is
/// recorded so a revision can keep a copy; loaded from that copy, the stack resolves exactly as it did when it ran, even
/// after the catalog changed or the version's directory is gone.</summary>
internal sealed class StackFiles
{
    private readonly IReadOnlyDictionary<string, string>? _copy;
    private readonly ConcurrentDictionary<string, string> _read = new(StringComparer.Ordinal);

    private StackFiles(IReadOnlyDictionary<string, string>? copy) => _copy = copy;

    /// <summary>Reads the file system and records what it read.</summary>
    public static StackFiles Disk() => new(null);

    /// <summary>Serves only the given copy (full path → text); a file not in it does not exist.</summary>
    public static StackFiles FromCopy(IReadOnlyDictionary<string, string> files) => new(files ?? throw new ArgumentNullException(nameof(files)));

    /// <summary>Every file read so far, by full path (ordered, so the copy serializes the same way each time).</summary>
    public IReadOnlyDictionary<string, string> Read => new SortedDictionary<string, string>(_read, StringComparer.Ordinal);

    public bool Exists(string fullPath) => _copy is null ? File.Exists(fullPath) : _copy.ContainsKey(fullPath);

    /// <exception cref="IOException">The file cannot be read (or is not in the copy).</exception>
    public string ReadAllText(string fullPath)
    {
        var text = _copy is null ? File.ReadAllText(fullPath)
            : _copy.TryGetValue(fullPath, out var kept) ? kept
            : throw new FileNotFoundException("the revision's copy of the stack has no such file", fullPath);
        _read[fullPath] = text;
        return text;
    }
}
