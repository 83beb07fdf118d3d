namespace Tidegate.TestKit;

/// <summary>An exclusive lock file shared by every test process on the machine.</summary>
public sealed class CrossProcessLock : IAsyncDisposable
{
    private readonly FileStream _file;

    private CrossProcessLock(FileStream file) => _file = file;

    public static async Task<CrossProcessLock> AcquireAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "tidegate-testkit");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".lock");
        var file = await Wait.UntilAsync(
            _ => Task.FromResult(TryOpen(path)),
            static stream => stream is not null,
            $"the lock file {path} (held by another test process)",
            timeout,
            cancellationToken);
        return new CrossProcessLock(file!);
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();

    private static FileStream? TryOpen(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
