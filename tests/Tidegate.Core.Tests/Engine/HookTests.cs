using System.Globalization;
using System.Text.Json;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

/// <summary>Recreate hooks and backup/restore hooks against the real engine, with the demo stack that has a database
/// (demo-migrate: a "db" service keeping its schema in a volume).</summary>
public sealed class HookTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    [Fact]
    public async Task DemoMigrate_Upgrade_BacksUp_MigratesWhileNothingOldRuns_AndARollbackRestoresTheBackup()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (_, deployment) = await DeployAsync(DemoRequest(name, "1.0.0", port));
        Assert.Equal("schema 1.0.0", await VolumeFileAsync(name, "schema"));

        var upgrade = await RunAsync(Service.UpgradeAsync(new UpgradeWorkRequest(deployment.Id, "demo:demo-migrate:app", "demo-migrate", "1.1.0",
            DemoSource("1.1.0"), new Dictionary<string, string>(), "tester"), Ct));

        Assert.True(upgrade.Status == OperationStatus.Succeeded, upgrade.Error);
        Assert.Equal("1.1.0", await WaitForTextAsync(port, "1.1.0"));
        Assert.Equal("schema 1.1.0", await VolumeFileAsync(name, "schema"));
        Assert.Equal("schema 1.0.0", await VolumeFileAsync(name, "schema.r1"));
        var snapshot = (await Store.Snapshots.GetLatestKeptAsync(deployment.Id, Ct))!;
        Assert.Equal("backup hook: exit 0 after 1 attempt(s)", snapshot.HookOutcome);
        // The journal: the mid hook began after every old container was retired and before the first new one was created.
        var steps = await Store.Operations.ListStepsAsync(upgrade.Id, Ct);
        var names = steps.Select(s => s.Name).ToList();
        var mid = steps.Select((s, i) => (s, i)).Single(x => x.s.Name == "hook" && x.s.Detail!.Contains("migrate-schema", StringComparison.Ordinal)).i;
        Assert.True(names.LastIndexOf(DeployExecutor.RetireStep) < mid && mid < names.IndexOf("create"), string.Join(",", names));
        var log = steps.Single(s => s.Name == "hook-log" && s.Detail!.Contains("migrate-schema", StringComparison.Ordinal));
        Assert.Contains("schema migrated to 1.1.0", log.Detail, StringComparison.Ordinal);
        Assert.Empty((await Client.ContainerListAsync(new Docker.Containers.ContainerListParameters
        {
            All = true, LabelFilters = [$"{EngineLabels.Project}={name}", HookRunner.HookLabel],
        }, Ct)));

        var rollback = await RunAsync(Service.RollbackAsync(deployment.Id, 1, new OperationRequest("tester"), Ct));

        Assert.True(rollback.Status == OperationStatus.Succeeded, rollback.Error);
        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));
        Assert.Equal("schema 1.0.0", await VolumeFileAsync(name, "schema"));
        var restoreLog = (await Store.Operations.ListStepsAsync(rollback.Id, Ct)).Single(s => s.Name == "hook-log");
        Assert.Contains("restored revision 1", restoreLog.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutomaticRollback_AfterTheMidHookMigrated_RunsTheRestoreHook_BeforeTheOldVersionStarts()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (_, deployment) = await DeployAsync(DemoRequest(name, "1.0.0", port));
        // demo-migrate 1.1.0 whose web crashes at start: its mid hook has already migrated the schema when the upgrade fails.
        var file = Path.Combine(RepositoryPaths.Root, "demo", "catalog", "demo-migrate", "1.1.0", "compose.yaml");
        var text = File.ReadAllText(file);
        var crashing = text.Replace("VERSION: \"1.1.0\"", "VERSION: \"1.1.0\"\n      CRASH: \"1\"", StringComparison.Ordinal);
        crashing = crashing[..crashing.LastIndexOf("restart: unless-stopped", StringComparison.Ordinal)] + "restart: \"no\"\n\nvolumes:\n  data: {}\n";
        Assert.Contains("CRASH", crashing, StringComparison.Ordinal);

        var upgrade = await RunAsync(Service.UpgradeAsync(new UpgradeWorkRequest(deployment.Id, "demo:demo-migrate:app", "demo-migrate", "1.1.0",
            new StackSource(crashing, file), new Dictionary<string, string>(), "tester"), Ct));

        Assert.True(upgrade.Status == OperationStatus.RolledBack, $"{upgrade.Status}: {upgrade.Error}");
        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));
        Assert.Equal("schema 1.0.0", await VolumeFileAsync(name, "schema"));
        var steps = await Store.Operations.ListStepsAsync(upgrade.Id, Ct);
        var logs = steps.Where(s => s.Name == "hook-log").Select(s => s.Detail!).ToList();
        Assert.Contains(logs, l => l.Contains("schema migrated to 1.1.0", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Contains("restored revision 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailingMidHook_AbortsAndRestoresTheOldVersion_RetryPolicyRetries()
    {
        var port = FreePort.Next();
        var (_, deployment) = await DeployAsync(Request(ProjectName(), HookStack(port, TestImages.Web100, "")));

        var failed = await RunAsync(Service.UpgradeAsync(Upgrade(deployment, port, "mid:\n      service: web\n      command: echo broken migration; exit 4"), Ct));

        Assert.Equal(OperationStatus.RolledBack, failed.Status);
        Assert.Contains("mid hook failed with exit code 4", failed.Error, StringComparison.Ordinal);
        Assert.Contains("broken migration", failed.Error, StringComparison.Ordinal);
        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));

        // Fails once (no marker yet), succeeds on the second attempt.
        var retried = await RunAsync(Service.UpgradeAsync(Upgrade(deployment, port,
            "pre:\n      service: web\n      failurePolicy: retry\n      retries: 2\n      command: test -f /shared/once || { touch /shared/once; exit 1; }"), Ct));

        Assert.True(retried.Status == OperationStatus.Succeeded, retried.Error);
        Assert.Equal("1.1.0", await WaitForTextAsync(port, "1.1.0"));
        var attempts = (await Store.Operations.ListStepsAsync(retried.Id, Ct)).Count(s => s.Name == "hook");
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task InvalidHook_RejectsTheDeploy_NamingThePath()
    {
        var result = await Service.DeployAsync(Request(ProjectName(), HookStack(FreePort.Next(), TestImages.Web100,
            "mid:\n      service: nope\n      command: true")), Ct);

        var rejected = Assert.IsType<OperationStartResult.Rejected>(result);
        Assert.Contains(rejected.Errors, e => e.Contains("x-tidegate.hooks.mid.service", StringComparison.Ordinal) && e.Contains("nope", StringComparison.Ordinal));
    }

    private UpgradeWorkRequest Upgrade(DeploymentRecord deployment, int port, string hooks) =>
        new(deployment.Id, "test:web:web", "web", "1.1.0", new StackSource(HookStack(port, TestImages.Web110, hooks)),
            new Dictionary<string, string>(), "tester");

    private string HookStack(int port, string image, string hooks) => (hooks.Length == 0 ? "" : $"x-tidegate:\n  hooks:\n    {hooks}\n") + $$"""
        services:
          web:
            image: {{image}}
            environment:
              VERSION: "{{(image == TestImages.Web100 ? "1.0.0" : "1.1.0")}}"
            volumes:
              - {{SharedDirectory}}:/shared
            ports:
              - "127.0.0.1:{{port}}:8080"
            stop_grace_period: 2s
        """;

    private string SharedDirectory { get; } = Directory.CreateTempSubdirectory("tidegate-hooks-").FullName;

    private DeployRequest DemoRequest(string name, string version, int port) =>
        new(Environment.Id, name, "demo:demo-migrate:app", "demo-migrate", version, DemoSource(version),
            [new VariableValue("WEB_PORT", port.ToString(CultureInfo.InvariantCulture), false), new VariableValue("MIGRATION_SECONDS", "0", false)],
            "tester");

    private static StackSource DemoSource(string version)
    {
        var file = Path.Combine(RepositoryPaths.Root, "demo", "catalog", "demo-migrate", version, "compose.yaml");
        return new StackSource(File.ReadAllText(file), file);
    }

    private async Task<string> VolumeFileAsync(string project, string file) =>
        (await DockerCli.RunAsync(["run", "--rm", "--label", $"{TestResources.LabelKey}={Resources.Id}", "-v", $"{project}_data:/data",
            "--entrypoint", "cat", TestImages.Worker100, "/data/" + file], Ct)).Trim();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(SharedDirectory, recursive: true);
    }
}
