using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

/// <summary>A stack with a file secret, an environment secret, a content config and a file config, a device and the
/// engine's own platform, deployed on the real engine: what the container sees is read from inside it.</summary>
public sealed class SecretsAndConfigsDeployTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    private const string TokenValue = "tok-7f3a-never-logged";

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Deploy_MountsSecretsAndConfigsReadOnly_WithTheirContent()
    {
        var version = await Client.SystemVersionAsync(Ct);
        var platform = $"{version.Os}/{version.Arch}";
        Directory.CreateDirectory(Path.Combine(StackDirectory, "conf"));
        await File.WriteAllTextAsync(Path.Combine(StackDirectory, "db_password.txt"), "pw-from-file", Ct);
        await File.WriteAllTextAsync(Path.Combine(StackDirectory, "conf", "app.conf"), "workers=2", Ct);
        var stackFile = Path.Combine(StackDirectory, "compose.yaml");
        var stack = $$"""
            services:
              app:
                image: {{TestImages.Worker100}}
                platform: {{platform}}
                devices:
                  - /dev/null:/dev/tidegate-null:rw
                secrets:
                  - db_password
                  - source: api_token
                    target: token
                configs:
                  - greeting
                  - source: app_conf
                    target: /etc/app/app.conf
            secrets:
              db_password:
                file: ./db_password.txt
              api_token:
                environment: API_TOKEN
            configs:
              greeting:
                content: "hello ${WHO:-world}"
              app_conf:
                file: ./conf/app.conf
            """;
        await File.WriteAllTextAsync(stackFile, stack, Ct);
        var name = ProjectName();
        var request = Request(name, stack) with
        {
            Source = new StackSource(stack, stackFile),
            Variables = [new VariableValue("API_TOKEN", TokenValue, true)],
        };

        var (operation, deployment) = await DeployAsync(request);
        var id = (await Client.ContainerInspectAsync($"{name}-app-1", Ct)).Id;

        Assert.Equal("pw-from-file", await CatAsync(id, "/run/secrets/db_password"));
        Assert.Equal(TokenValue, await CatAsync(id, "/run/secrets/token"));
        Assert.Equal("hello world", await CatAsync(id, "/greeting"));
        Assert.Equal("workers=2", await CatAsync(id, "/etc/app/app.conf"));
        foreach (var path in new[] { "/run/secrets/db_password", "/run/secrets/token", "/greeting", "/etc/app/app.conf" })
        {
            var write = await Client.ExecRunAsync(id, ["sh", "-c", $"echo changed > {path}"], Ct);
            Assert.NotEqual(0, write.ExitCode);
            Assert.Contains("Read-only file system", write.Stderr, StringComparison.Ordinal);
        }

        var inspect = await Client.ContainerInspectAsync(id, Ct);
        Assert.All(inspect.Mounts!.Where(m => m.Destination!.StartsWith("/run/secrets/", StringComparison.Ordinal)), m => Assert.False(m.Rw));
        Assert.Equal(0, (await Client.ExecRunAsync(id, ["test", "-c", "/dev/tidegate-null"], Ct)).ExitCode);
        var tokenFile = inspect.Mounts!.Single(m => m.Destination == "/run/secrets/token").Source!;
        Assert.StartsWith(Path.Combine(FilesDirectory, Environment.Id, name) + Path.DirectorySeparatorChar, tokenFile, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(tokenFile));

        // The value stays out of the journal, the stored definition and the progress events.
        var steps = await Store.Operations.ListStepsAsync(operation.Id, Ct);
        Assert.DoesNotContain(steps, s => (s.Detail ?? string.Empty).Contains(TokenValue, StringComparison.Ordinal));
        var revision = await Store.Revisions.GetAsync(deployment.Id, 1, Ct);
        Assert.DoesNotContain(TokenValue, revision!.Definition, StringComparison.Ordinal);

        // A new token value: the new container mounts a new file, and the old value's file is removed at the commit.
        var upgrade = await RunAsync(Service.UpgradeAsync(new UpgradeWorkRequest(deployment.Id, request.StackId, request.ProductId, "1.0.1",
            new StackSource(stack, stackFile), new Dictionary<string, string> { ["API_TOKEN"] = "rotated-" + TokenValue }, "tester"), Ct));
        Assert.True(upgrade.Status == OperationStatus.Succeeded, upgrade.Error);
        var upgraded = (await Client.ContainerInspectAsync($"{name}-app-1", Ct)).Id;
        Assert.Equal("rotated-" + TokenValue, await CatAsync(upgraded, "/run/secrets/token"));
        Assert.False(File.Exists(tokenFile), "the old secret value's file stays on disk");
        Assert.Equal(["rotated-" + TokenValue], Directory.GetFiles(Path.GetDirectoryName(tokenFile)!).Select(File.ReadAllText));

        Assert.Equal(OperationStatus.Succeeded, (await RunAsync(Service.RemoveAsync(deployment.Id, removeVolumes: false, new OperationRequest("tester"), Ct))).Status);
        Assert.False(Directory.Exists(Path.Combine(FilesDirectory, Environment.Id, name)));
    }

    [Fact]
    public async Task Deploy_WithSecrets_ToAnEngineOnAnotherHost_IsRejectedBeforeAnythingRuns()
    {
        var remote = ((SaveResult<DeploymentEnvironment>.Saved)await Store.Environments.CreateAsync(
            new NewEnvironment("remote-" + Resources.Id, "tcp://192.0.2.10:2376"), Ct)).Value;
        Directory.CreateDirectory(StackDirectory);
        var stackFile = Path.Combine(StackDirectory, "compose.yaml");
        await File.WriteAllTextAsync(Path.Combine(StackDirectory, "pw.txt"), "pw", Ct);
        var stack = $$"""
            services:
              app:
                image: {{TestImages.Worker100}}
                secrets: [pw]
            secrets:
              pw:
                file: ./pw.txt
            """;

        var result = await Service.DeployAsync(new DeployRequest(remote.Id, ProjectName(), "test:app:app", "app", "1.0.0",
            new StackSource(stack, stackFile), [], "tester"), Ct);

        var rejected = Assert.IsType<OperationStartResult.Rejected>(result);
        Assert.Contains(rejected.Errors, e => e.Contains("service app uses secrets or configs", StringComparison.Ordinal)
                                              && e.Contains("tcp://192.0.2.10:2376", StringComparison.Ordinal));
        Assert.Empty((await Store.Deployments.ListAsync(remote.Id, new Page(10), Ct)).Items);
    }

    [Fact]
    public async Task Deploy_ForAnotherPlatform_FailsBeforeTouchingAnything_NamingBothPlatforms()
    {
        var name = ProjectName("foreign");
        var (_, deployment) = await DeployAsync(Request(name, $"services:\n  app:\n    image: {TestImages.Worker100}\n"));
        var running = (await Client.ContainerInspectAsync($"{name}-app-1", Ct)).Id;
        // pull_policy never keeps the engine from trying a registry: the present image is the only candidate.
        var stack = $"services:\n  app:\n    image: {TestImages.Worker100}\n    platform: linux/s390x\n    pull_policy: never\n";

        var (operation, _) = await DeployAsync(Request(name, stack, "1.1.0"), OperationStatus.Failed);

        Assert.Contains($"Image {TestImages.Worker100} is present for linux/", operation.Error, StringComparison.Ordinal);
        Assert.Contains("not for linux/s390x, and its pull_policy is never", operation.Error, StringComparison.Ordinal);
        var still = await Client.ContainerInspectAsync($"{name}-app-1", Ct);
        Assert.Equal((running, true), (still.Id, still.State!.Running));
        Assert.Equal(1, (await Store.Deployments.GetAsync(deployment.Id, Ct))!.CurrentRevision);
    }

    private async Task<string> CatAsync(string container, string path)
    {
        var result = await Client.ExecRunAsync(container, ["cat", path], Ct);
        Assert.True(result.ExitCode == 0, $"cat {path}: exit {result.ExitCode}: {result.Stderr}");
        return result.Stdout;
    }
}
