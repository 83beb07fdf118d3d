using System.Globalization;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Engine;

public sealed class CatalogStackTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    [Fact]
    public async Task DemoMigrateStack_RunsItsOneOffToCompletionBeforeTheWebApp()
    {
        var file = Path.Combine(RepositoryRoot(), "demo", "catalog", "demo-migrate", "1.0.0", "compose.yaml");
        var port = FreePort.Next();
        var name = ProjectName();
        var request = Request(name, await File.ReadAllTextAsync(file, Ct), "1.0.0", ("WEB_PORT", port.ToString(CultureInfo.InvariantCulture)));

        var (_, deployment) = await DeployAsync(request with { Source = request.Source with { FileName = file } });

        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));
        var migrate = await Client.ContainerInspectAsync($"{name}-migrate-1", Ct);
        Assert.Equal(("exited", 0), (migrate.State!.Status, migrate.State.ExitCode));
        Assert.Equal("migration", migrate.Config!.Labels!["tidegate.role"]);
        Assert.Equal(1, deployment.CurrentRevision);
    }

    [Fact]
    public async Task SecretVariables_ReachTheContainer_ButAreEncryptedInTheRevision_AndEnvironmentValuesApply()
    {
        const string stack = """
            x-tidegate:
              variables:
                API_KEY:
                  type: secret
                  required: true
                REGION:
                  type: string
            services:
              web:
                image: tidegate-test/web:1.0.0
                environment:
                  VERSION: "${REGION}"
                  API_KEY: "${API_KEY}"
                ports:
                  - "127.0.0.1:${PORT}:8080"
            """;
        await Store.Environments.SetVariablesAsync(Environment.Id, [new VariableValue("REGION", "eu-1", false)], Ct);
        var port = FreePort.Next();
        var name = ProjectName();

        var (_, deployment) = await DeployAsync(Request(name, stack, "1.0.0", ("API_KEY", "s3cr3t-value"), ("PORT", port.ToString(CultureInfo.InvariantCulture))));

        Assert.Equal("eu-1", await WaitForTextAsync(port, "eu-1"));
        Assert.Contains("API_KEY=s3cr3t-value", (await Client.ContainerInspectAsync($"{name}-web-1", Ct)).Config!.Env!);
        var revision = (await Store.Revisions.GetAsync(deployment.Id, 1, Ct))!;
        Assert.DoesNotContain("s3cr3t-value", revision.Definition, StringComparison.Ordinal);
        Assert.True(revision.Variables.Single(v => v.Name == "API_KEY").IsSecret);
        Assert.NotEqual("s3cr3t-value", revision.Variables.Single(v => v.Name == "API_KEY").Value);
        Assert.Equal("s3cr3t-value", (await Store.Revisions.GetVariablesWithSecretsAsync(deployment.Id, 1, Ct))!.Single(v => v.Name == "API_KEY").Value);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "demo", "catalog")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("demo/catalog not found above the test binaries");
    }
}
