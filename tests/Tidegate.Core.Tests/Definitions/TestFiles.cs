namespace Tidegate.Core.Tests.Definitions;

/// <summary>A temporary directory owned by one test; removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tidegate-defs-" + Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Write(string relativePath, string content)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class TestFiles
{
    public static string Stack(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Definitions", "Stacks", name);

    public static string Malformed => System.IO.Path.Combine(AppContext.BaseDirectory, "Definitions", "Malformed");
}
