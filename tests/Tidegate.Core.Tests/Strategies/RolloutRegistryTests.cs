using Tidegate.Core.Edge;
using Tidegate.Core.Strategies;

namespace Tidegate.Core.Tests.Strategies;

/// <summary>Parked blue-green colors written to parked.json: read back by a new registry (a restarted server), and a
/// damaged file neither stops the server nor is lost.</summary>
public sealed class RolloutRegistryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tidegate-parked-").FullName;

    private string Path_ => Path.Combine(_directory, "parked.json");

    [Fact]
    public void ParkedColors_AreReadBack_AndUnparkingRemovesThem()
    {
        var parked = new ParkedColor("dep1", "web", 3, "1.0.0", "demo:web:web", ["c1", "c2"],
            [new EdgeEntry("web", "web", 8080, "127.0.0.1:18080")], DateTimeOffset.Parse("2026-11-22T10:05:00Z", System.Globalization.CultureInfo.InvariantCulture));
        new RolloutRegistry(Path_).Park(parked);

        var restarted = new RolloutRegistry(Path_);

        var read = restarted.Parked("dep1")!;
        Assert.Equal((3, "1.0.0", "127.0.0.1:18080", parked.RemoveAt), (read.Revision, read.Version, read.Entries[0].Listen, read.RemoveAt));
        Assert.Equal(["c1", "c2"], read.ContainerIds);
        Assert.Equal("dep1", restarted.Unpark("dep1")?.DeploymentId);
        Assert.Null(new RolloutRegistry(Path_).Parked("dep1"));
    }

    [Fact]
    public void ADamagedFile_StartsEmpty_AndIsKeptAside()
    {
        File.WriteAllText(Path_, "[{\"deploymentId\": \"dep1\", \"revis");

        var registry = new RolloutRegistry(Path_);

        Assert.Null(registry.Parked("dep1"));
        Assert.False(File.Exists(Path_));
        var aside = Assert.Single(Directory.GetFiles(_directory, "parked.json.damaged-*"));
        Assert.StartsWith("[{\"deploymentId\"", File.ReadAllText(aside), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
