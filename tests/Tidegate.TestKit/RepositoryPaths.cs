namespace Tidegate.TestKit;

/// <summary>Paths inside the repository checkout the tests run from.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string DemoCatalog => Path.Combine(Root, "demo", "catalog");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Tidegate.slnx")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException($"No Tidegate.slnx above {AppContext.BaseDirectory}.");
    }
}
