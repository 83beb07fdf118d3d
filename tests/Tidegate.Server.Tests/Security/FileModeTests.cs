using System.Net;
using System.Net.Http.Json;

namespace Tidegate.Server.Tests.Security;

/// <summary>Boundary: other local users on the host against the data directory (password and token hashes, the secret key,
/// cookie keys, the edge's configuration). A real server start on a fresh and on an existing data directory.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileModeTests
{
    private const UnixFileMode GroupAndOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode PrivateDirectory = Private | UnixFileMode.UserExecute;

    [Fact]
    public async Task FreshDataDirectory_AfterStart_Is0700_AndEveryFileIs0600()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
        await using var server = await RealServer.StartInAsync(directory, "--BootstrapAdminUser", "admin", "--BootstrapAdminPassword", Seed.Password);
        using var client = server.Client();
        // A login writes the cookie keys too.
        using var login = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = Seed.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);

        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToList();
        var directories = Directory.EnumerateDirectories(directory, "*", SearchOption.AllDirectories).ToList();

        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(directory));
        Assert.Contains(files, f => Path.GetFileName(f) == "tidegate.db");
        Assert.Contains(files, f => Path.GetFileName(f) == "tidegate.db-wal");
        Assert.Contains(files, f => Path.GetDirectoryName(f)!.EndsWith("dataprotection-keys", StringComparison.Ordinal));
        Assert.All(files, f => Assert.True((File.GetUnixFileMode(f) & GroupAndOthers) == 0, $"{f} is {File.GetUnixFileMode(f)}"));
        Assert.All(directories, d => Assert.True((File.GetUnixFileMode(d) & GroupAndOthers) == 0, $"{d} is {File.GetUnixFileMode(d)}"));
    }

    [Fact]
    public async Task ExistingReadableFiles_AreMadePrivateAtStart_ButWrittenContainerFilesKeepTheirModes()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
        // A data directory as an earlier Tidegate left it: world-readable, with a config file written for a container.
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, PrivateDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var database = Path.Combine(directory, "tidegate.db");
        await File.WriteAllBytesAsync(database, []);
        File.SetUnixFileMode(database, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var edge = Directory.CreateDirectory(Path.Combine(directory, "edge")).FullName;
        var edgeConfig = Path.Combine(edge, "haproxy.cfg");
        await File.WriteAllTextAsync(edgeConfig, "global\n");
        File.SetUnixFileMode(edgeConfig, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var mounted = Directory.CreateDirectory(Path.Combine(directory, "files", "web", "configs")).FullName;
        File.SetUnixFileMode(mounted, PrivateDirectory | UnixFileMode.OtherExecute);
        var config = Path.Combine(mounted, "nginx-444-abc");
        await File.WriteAllTextAsync(config, "server {}\n");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using var server = await RealServer.StartInAsync(directory);

        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(directory));
        Assert.Equal(Private, File.GetUnixFileMode(database));
        Assert.Equal(Private, File.GetUnixFileMode(edgeConfig));
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(mounted));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(config));
    }
}
