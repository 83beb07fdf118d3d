using System.Text.Json;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Variables;
using Tidegate.Core.Engine;
using Tidegate.Core.Tests.Definitions;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Tests.Engine;

/// <summary>secrets, configs, devices and platform in the plan: exact Engine API fields, the files written for
/// environment and content sources, and the config hash.</summary>
public sealed class PlannerMountedFilesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string FilesDirectory => Path.Combine(_dir.Path, "files");

    public void Dispose() => _dir.Dispose();

    private static string Stack(string service = "") => $$"""
        services:
          web:
            image: tidegate-test/web:1.0.0
            secrets:
              - db_password
              - source: api_token
                target: token
              - source: api_token
                target: /etc/app/token
                mode: 0444
            configs:
              - app_config
              - source: nginx_conf
                target: /etc/nginx/nginx.conf
              - source: app_config
                target: etc/app/second.conf
                mode: 0666
        {{service}}
        secrets:
          db_password:
            file: ./db_password.txt
          api_token:
            environment: API_TOKEN
        configs:
          app_config:
            content: |
              level=${LEVEL:-info}
          nginx_conf:
            file: ./nginx.conf
        """;

    private DeploymentPlan PlanOf(string text, int revision = 1, string token = "tok-1")
    {
        _dir.Write("db_password.txt", "pw-from-file");
        if (!File.Exists(Path.Combine(_dir.Path, "nginx.conf")))
        {
            _dir.Write("nginx.conf", "worker_processes 1;");
        }

        var file = _dir.Write("compose.yaml", text);
        var resolved = StackResolver.Resolve(StackLoader.LoadFile(file), VariableValues.FromDeployment(new Dictionary<string, string> { ["API_TOKEN"] = token }));
        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        return DeploymentPlanner.Plan(new PlanInput(resolved.Project!, "shop", revision, "demo:shop:web", "1.0.0", FilesDirectory: FilesDirectory));
    }

    private static IReadOnlyList<Mount> Mounts(DeploymentPlan plan) => plan.Service("web").Containers.Single().Create.HostConfig!.Mounts!;

    [Theory]
    [InlineData("/run/secrets/db_password")]
    [InlineData("/run/secrets/token")]
    [InlineData("/etc/app/token")]
    [InlineData("/app_config")]
    [InlineData("/etc/nginx/nginx.conf")]
    [InlineData("/etc/app/second.conf")]
    public void EverySecretAndConfig_IsAReadOnlyBindMountAtItsTarget(string target)
    {
        var mount = Assert.Single(Mounts(PlanOf(Stack())), m => m.Target == target);

        Assert.Equal("bind", mount.Type);
        Assert.True(mount.ReadOnly);
        Assert.True(Path.IsPathRooted(mount.Source), mount.Source);
    }

    [Fact]
    public void FileSources_AreMountedFromTheStacksDirectory_AndNotWritten()
    {
        var plan = PlanOf(Stack());

        Assert.Equal(Path.Combine(_dir.Path, "db_password.txt"), Mounts(plan).Single(m => m.Target == "/run/secrets/db_password").Source);
        Assert.Equal(Path.Combine(_dir.Path, "nginx.conf"), Mounts(plan).Single(m => m.Target == "/etc/nginx/nginx.conf").Source);
        Assert.DoesNotContain(plan.Files, f => f.Path.Contains("db_password", StringComparison.Ordinal) || f.Path.Contains("nginx", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/run/secrets/token", "tok-1", UnixFileMode.UserRead)]
    [InlineData("/etc/app/token", "tok-1", UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    [InlineData("/app_config", "level=info\n", UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    [InlineData("/etc/app/second.conf", "level=info\n", UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    public void EnvironmentAndContentSources_AreWrittenBelowTheFilesDirectory_WithTheirMode(string target, string content, UnixFileMode mode)
    {
        var plan = PlanOf(Stack());
        var source = Mounts(plan).Single(m => m.Target == target).Source!;

        var file = Assert.Single(plan.Files, f => f.Path == source);
        Assert.StartsWith(Path.Combine(FilesDirectory, "shop") + Path.DirectorySeparatorChar, source, StringComparison.Ordinal);
        Assert.Equal((content, mode), (file.Content, file.Mode));
    }

    [Fact]
    public void OneValueMountedTwiceWithTheSameMode_IsWrittenOnce()
    {
        var plan = PlanOf(Stack());

        // api_token 0400 and 0444, app_config 0444 (the second use asks 0666, of which the writable bits are dropped).
        Assert.Equal(3, plan.Files.Count);
        Assert.Equal(Mounts(plan).Single(m => m.Target == "/app_config").Source, Mounts(plan).Single(m => m.Target == "/etc/app/second.conf").Source);
    }

    [Fact]
    public void PlannedFile_NeverPrintsItsContent()
    {
        var file = PlanOf(Stack(), token: "tok-secret-value").Files.First(f => f.Content == "tok-secret-value");

        Assert.DoesNotContain("tok-secret-value", file.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("tok-secret-value", file.Path, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void WrittenFileNames_CarryAKeyedDigest_NotAPlainHashOfTheValue()
    {
        var file = PlanOf(Stack(), token: "password1").Files.First(f => f.Content == "password1");
        var plainHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("password1"u8.ToArray()))[..16];

        Assert.DoesNotContain(plainHash, file.Path, StringComparison.Ordinal);
        var key = Path.Combine(FilesDirectory, ".digest-key");
        Assert.Equal(32, new FileInfo(key).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));

        // Another installation (another key) names the same value differently.
        File.Delete(key);
        Assert.DoesNotContain(PlanOf(Stack(), token: "password1").Files, f => f.Path == file.Path);
    }

    [Fact]
    public void Devices_BecomeDeviceMappings_WithTheEnginesDefaultPermissions()
    {
        var plan = PlanOf(Stack("""
                devices:
                  - /dev/null:/dev/quiet:r
                  - /dev/zero
            """));

        var devices = plan.Service("web").Containers.Single().Create.HostConfig!.Devices!;
        Assert.Equal(["/dev/null|/dev/quiet|r", "/dev/zero|/dev/zero|rwm"], devices.Select(d => $"{d.PathOnHost}|{d.PathInContainer}|{d.CgroupPermissions}"));
        var json = JsonSerializer.Serialize(plan.Service("web").Containers.Single().Create.HostConfig);
        Assert.Contains("\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/quiet\",\"CgroupPermissions\":\"r\"}", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Platform_IsOnTheRequest_ButNotInTheBody()
    {
        var create = PlanOf(Stack("    platform: linux/amd64")).Service("web").Containers.Single().Create;

        Assert.Equal("linux/amd64", create.Platform);
        Assert.DoesNotContain("linux/amd64", JsonSerializer.Serialize(create), StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigHash_IsStableAcrossRevisions_WhenNothingChanged()
    {
        Assert.Equal(PlanOf(Stack(), revision: 1).Service("web").ConfigHash, PlanOf(Stack(), revision: 2).Service("web").ConfigHash);
    }

    [Fact]
    public void ConfigHash_Changes_WhenAnEnvironmentSecretsValueChanges()
    {
        Assert.NotEqual(PlanOf(Stack(), token: "tok-1").Service("web").ConfigHash, PlanOf(Stack(), token: "tok-2").Service("web").ConfigHash);
    }

    [Fact]
    public void ConfigHash_Changes_WhenAHostFilesContentChanges()
    {
        var before = PlanOf(Stack()).Service("web").ConfigHash;
        _dir.Write("nginx.conf", "worker_processes 2;");

        Assert.NotEqual(before, PlanOf(Stack()).Service("web").ConfigHash);
    }

    [Theory]
    [InlineData("    platform: linux/arm64")]
    [InlineData("    devices: [\"/dev/null:/dev/quiet\"]")]
    public void ConfigHash_Changes_WithPlatformAndDevices(string field)
    {
        Assert.NotEqual(PlanOf(Stack()).Service("web").ConfigHash, PlanOf(Stack(field)).Service("web").ConfigHash);
    }

    [Fact]
    public void ConfigHash_Changes_WhenATargetChanges()
    {
        Assert.NotEqual(PlanOf(Stack()).Service("web").ConfigHash, PlanOf(Stack().Replace("target: token", "target: token2", StringComparison.Ordinal)).Service("web").ConfigHash);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task WriteAsync_WritesEachFileOnceWithItsMode_InDirectoriesOnlyTheOwnerEnters()
    {
        var plan = PlanOf(Stack());

        await MountedFiles.WriteAsync(plan.Files, CancellationToken.None);
        await MountedFiles.WriteAsync(plan.Files, CancellationToken.None);

        foreach (var file in plan.Files)
        {
            Assert.Equal(file.Content, await File.ReadAllTextAsync(file.Path));
            Assert.Equal(file.Mode, File.GetUnixFileMode(file.Path));
        }

        var dirs = plan.Files.Select(f => Path.GetDirectoryName(f.Path)!).Append(Path.Combine(FilesDirectory, "shop")).Append(FilesDirectory).Distinct();
        Assert.All(dirs, d => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(d)));
        Assert.Equal(plan.Files.Count, Directory.GetFiles(Path.Combine(FilesDirectory, "shop"), "*", SearchOption.AllDirectories).Length);

        MountedFiles.DeleteProject(FilesDirectory, "shop");
        Assert.False(Directory.Exists(Path.Combine(FilesDirectory, "shop")));
    }
}

/// <summary>Whether a present image suits a service's platform (pull before touch: a mismatch is pulled or refused
/// before anything running is stopped).</summary>
public sealed class ImagePlatformTests
{
    [Theory]
    [InlineData(null, "linux", "amd64", true)]
    [InlineData("", "linux", "amd64", true)]
    [InlineData("linux", "linux", "arm64", true)]
    [InlineData("linux/amd64", "linux", "amd64", true)]
    [InlineData("linux/amd64", "linux", "x86_64", true)]
    [InlineData("linux/arm64/v8", "linux", "arm64", true)]
    [InlineData("linux/arm64", "linux", "aarch64", true)]
    [InlineData("linux/arm64", "linux", "amd64", false)]
    [InlineData("linux/s390x", "linux", "amd64", false)]
    [InlineData("windows/amd64", "linux", "amd64", false)]
    [InlineData("linux/amd64", null, null, false)]
    public void IsFor_ComparesOsAndArchitecture(string? platform, string? os, string? arch, bool expected) =>
        Assert.Equal(expected, Tidegate.Core.Strategies.RolloutSteps.IsFor(new Tidegate.Docker.Images.ImageInspectResponse { Id = "sha256:x", Os = os, Architecture = arch }, platform));
}
