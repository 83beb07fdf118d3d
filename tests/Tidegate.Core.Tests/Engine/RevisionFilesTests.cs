using System.Globalization;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

/// <summary>A revision keeps a copy of every file its stack read besides the main one (include, extends, env_file), so a
/// rollback, redeploy or drift check resolves exactly what ran, even after the version's directory is gone from the catalog.</summary>
public sealed class RevisionFilesTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    private readonly string _root = Directory.CreateTempSubdirectory("tidegate-revfiles-").FullName;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Rollback_UsesTheRevisionsCopyOfIncludedFiles_AfterTheVersionDirectoryIsGone()
    {
        var port = FreePort.Next();
        var v1 = WriteVersion("1.0.0", TestImages.Web100, port);
        var v2 = WriteVersion("1.1.0", TestImages.Web110, port);
        var name = ProjectName();
        var (_, deployment) = await DeployAsync(new DeployRequest(Environment.Id, name, "test:web:web", "web", "1.0.0",
            new StackSource(await File.ReadAllTextAsync(v1, Ct), v1), [], "tester", "test"));
        Assert.Equal("greeting 1.0.0", await GetTextAsync(port));
        var stored = OperationJournal.Deserialize<StoredDefinition>((await Store.Revisions.GetAsync(deployment.Id, 1, Ct))!.Definition)!;
        var folder = Path.GetDirectoryName(v1)!;
        Assert.Equal([Path.Combine(folder, "app.env"), Path.Combine(folder, "web.yaml")], stored.Files!.Keys.Order(StringComparer.Ordinal));

        var upgrade = await RunAsync(Service.UpgradeAsync(new UpgradeWorkRequest(deployment.Id, "test:web:web", "web", "1.1.0",
            new StackSource(await File.ReadAllTextAsync(v2, Ct), v2), new Dictionary<string, string>(), "tester"), Ct));
        Assert.True(upgrade.Status == OperationStatus.Succeeded, upgrade.Error);
        Assert.Equal("greeting 1.1.0", await GetTextAsync(port));
        Directory.Delete(folder, recursive: true);

        var rollback = await RunAsync(Service.RollbackAsync(deployment.Id, 1, new OperationRequest("tester"), Ct));

        Assert.True(rollback.Status == OperationStatus.Succeeded, rollback.Error);
        Assert.Equal("greeting 1.0.0", await GetTextAsync(port));
        // The drift check resolves the running revision (the rollback's, a copy of revision 1) from its copy too.
        Assert.DoesNotContain((await ReconcileAsync()).Drift, d => d.Project == name);
    }

    [Fact]
    public void AStackLoadedFromTheCopy_DoesNotReadTheDisk_AndMissingFilesAreDiagnosed()
    {
        var main = """
            include:
              - web.yaml
            """;
        var folder = Path.Combine(Path.GetTempPath(), "tidegate-copy-" + Guid.NewGuid().ToString("N"));
        var copy = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Path.Combine(folder, "web.yaml")] = "services:\n  web:\n    image: example/web:1\n",
        };

        var loaded = new StoredDefinition(Path.Combine(folder, "compose.yaml"), main, "", copy).Load(Ct);
        var missing = new StoredDefinition(Path.Combine(folder, "compose.yaml"), main, "", new Dictionary<string, string>()).Load(Ct);

        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Diagnostics));
        Assert.Equal(["web"], loaded.Preview!.Services.Select(s => s.Name));
        Assert.Contains(missing.Diagnostics, d => d.Message.Contains("included file 'web.yaml' does not exist", StringComparison.Ordinal));
    }

    private string WriteVersion(string version, string image, int port)
    {
        var folder = Path.Combine(_root, version);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "compose.yaml"), """
            include:
              - web.yaml
            """);
        File.WriteAllText(Path.Combine(folder, "web.yaml"), $$"""
            services:
              web:
                image: {{image}}
                env_file: app.env
                ports:
                  - "127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}}:8080"
                stop_grace_period: 2s
            """);
        File.WriteAllText(Path.Combine(folder, "app.env"), $"VERSION=greeting {version}\n");
        return Path.Combine(folder, "compose.yaml");
    }
}
