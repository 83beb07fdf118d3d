using Tidegate.Core.Definitions;
using System.Diagnostics;
using Tidegate.Core.Catalog;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Catalog;

/// <summary>A temp folder owned by one test, removed at the end.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(string relative) => System.IO.Path.Combine(Path, relative);

    public string Write(string relative, string content)
    {
        var file = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        return file;
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

internal static class Stacks
{
    /// <summary>A small valid stack file; null arguments leave the key out.</summary>
    public static string Compose(string? version = null, string? product = null, string? stack = null, string? releaseNotes = null, string? productName = null)
    {
        var meta = new List<string>();
        if (product is not null) meta.Add($"  product: {product}");
        if (productName is not null) meta.Add($"  productName: {productName}");
        if (stack is not null) meta.Add($"  stack: {stack}");
        if (version is not null) meta.Add($"  version: \"{version}\"");
        if (releaseNotes is not null) meta.Add($"  releaseNotes: {releaseNotes}");
        var block = meta.Count > 0 ? "x-tidegate:\n" + string.Join("\n", meta) + "\n" : "";
        return block + "services:\n  web:\n    image: tidegate-test/web:1.0.0\n";
    }

    public static StackCatalog Catalog(string root, FakeTimeProvider? time = null, string sourceId = "local", TimeSpan? interval = null)
        => Catalog(new StackLoader(), time ?? new FakeTimeProvider(), new CatalogSourceOptions { Id = sourceId, Kind = "directory", Path = root, SyncInterval = interval });

    public static StackCatalog Catalog(Tidegate.Core.Definitions.IStackReader reader, TimeProvider time, params CatalogSourceOptions[] sources)
    {
        var options = new CatalogOptions { CacheDirectory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tidegate-tests", "cache-" + Guid.NewGuid().ToString("N")) };
        options.Sources.AddRange(sources);
        return new StackCatalog(reader, options, time);
    }

    public static async Task<StackCatalog> SyncedCatalog(string root, string sourceId = "local")
    {
        var catalog = Catalog(root, sourceId: sourceId);
        var result = await catalog.SyncAsync(sourceId, CancellationToken.None);
        Assert.True(result.Succeeded, result.Error?.Message);
        return catalog;
    }
}

/// <summary>Runs the real git for building test repositories.</summary>
internal static class Git
{
    public static async Task<string> Run(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)} failed: {stderr}");
        return (await stdout).Trim();
    }

    /// <summary>A bare "remote" plus a work clone to commit from.</summary>
    public static async Task<(string Remote, string Work)> CreateRepository(TempDirectory temp)
    {
        var remote = temp.Combine("remote.git");
        var work = temp.Combine("work");
        Directory.CreateDirectory(work);
        await Run(temp.Path, "init", "--quiet", "--bare", remote);
        await Run(work, "init", "--quiet");
        await Run(work, "remote", "add", "origin", remote);
        return ($"file://{remote}", work);
    }

    public static async Task CommitAll(string work, string message, string branch = "main")
    {
        await Run(work, "add", "-A");
        await Run(work, "commit", "--quiet", "-m", message);
        await Run(work, "push", "--quiet", "origin", $"HEAD:refs/heads/{branch}");
    }
}
