using Tidegate.TestKit;

namespace Tidegate.Cli.Tests;

/// <summary>The offline commands, run as the real <c>tidegate</c> program: exit codes, stdout and stderr.</summary>
public sealed class StackFileCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tidegate-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static Task<ProcessResult> Tidegate(params string[] args) => TidegateWithInput(null, args);

    private static async Task<ProcessResult> TidegateWithInput(string? stdin, params string[] args)
    {
        // A generous bound so a hung child process fails the test instead of the run.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        return await ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "tidegate.dll"), .. args], timeout.Token, stdin);
    }

    [Fact]
    public async Task Config_TakesValuesFromAVarFileAFileAndStdin_LaterSourcesWin()
    {
        var stack = Write("compose.yml", "services:\n  web:\n    image: x\n    environment:\n      A: ${A}\n      B: ${B}\n      C: ${C}\n      D: ${D}\n");
        var values = Write("values.env", "# comment\nA=from-var-file\nB='overridden below'\n");
        var secret = Write("b.txt", "b-from-file\n");

        var result = await TidegateWithInput("c-from-stdin\n", "config", stack, "--var-file", values, "--var", $"B=@{secret}", "--var", "C=-", "--var", "D=@@literal");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("A: from-var-file", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("B: b-from-file\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("C: c-from-stdin\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("D: \"@literal\"", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_MalformedVarFileOrMissingValueFile_IsAUsageErrorThatShowsNoContent()
    {
        var stack = Write("compose.yml", "services:\n  web:\n    image: x\n");
        var values = Write("values.env", "A=1\nthis-line-is-a-pasted-secret\nB=\"unterminated-secret\n");

        var malformed = await Tidegate("config", stack, "--var-file", values);
        var missing = await Tidegate("config", stack, "--var", "A=@" + Path.Combine(_dir, "nope.txt"));

        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("values.env: 2 line(s) are not KEY=VALUE", malformed.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 3", malformed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("-secret", malformed.Stdout + malformed.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--var A=@", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("no such file", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ValidDemoStack_ExitsZero()
    {
        var result = await Tidegate("validate", Path.Combine(RepositoryPaths.DemoCatalog, "demo-web", "2.0.0", "docker-compose.yml"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("valid (0 warning(s))", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MalformedStack_PrintsEveryErrorWithPositionAndExitsOne()
    {
        var file = Write("bad.yml", "services:\n  web:\n    image: x\n    ports: [\"abc\"]\n    depends_on: [nope]\n");

        var result = await Tidegate("validate", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{file}:4:13: error: services.web.ports[0]:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{file}:5:18: error: services.web.depends_on.nope:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("invalid: 2 error(s)", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_JsonOutput_ListsDiagnostics()
    {
        var file = Write("bad.yml", "services:\n  web:\n    image: x\n    restart: sometimes\n");

        var result = await Tidegate("validate", file, "--output", "json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("\"valid\": false", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"path\": \"services.web.restart\"", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAndConfig_KeepWhatAStackNamesBelowItsDirectory_OrBelowTheGivenRoot()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "app"));
        Directory.CreateDirectory(Path.Combine(_dir, "shared"));
        Write("shared/db.yaml", "services:\n  db:\n    image: postgres\n");
        var file = Write("app/compose.yaml", "include:\n  - ../shared/db.yaml\nservices:\n  web:\n    image: nginx\n");

        var beside = await Tidegate("validate", file);
        var rooted = await Tidegate("validate", file, "--root", _dir);
        var config = await Tidegate("config", file, "--root", _dir);
        var missingRoot = await Tidegate("validate", file, "--root", Path.Combine(_dir, "nope"));

        Assert.Equal(1, beside.ExitCode);
        Assert.Contains("include[0]: include path '../shared/db.yaml' leaves the stack's directory", beside.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, rooted.ExitCode);
        Assert.Equal(0, config.ExitCode);
        Assert.Contains("image: postgres", config.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, missingRoot.ExitCode);
    }

    [Fact]
    public async Task Validate_MissingFile_IsAUsageError()
    {
        var result = await Tidegate("validate", Path.Combine(_dir, "nope.yml"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such file", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_StackIdFromCatalog_RendersLatestWithVariables()
    {
        var result = await Tidegate("config", "demo:demo-web:web", "--catalog-dir", RepositoryPaths.DemoCatalog, "--var", "GREETING=hallo");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("image: tidegate-test/web:2.0.0", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("GREETING: hallo", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_MissingRequiredVariable_NamesItAndExitsOne()
    {
        var result = await Tidegate("config", "demo:demo-web:web@2.0.0", "--catalog-dir", RepositoryPaths.DemoCatalog);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("x-tidegate.variables.GREETING", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Config_OutputIsStable_RenderOfARenderEqualsTheRender()
    {
        var file = Write("stack.yml", """
            x-tidegate:
              variables:
                DB_PASSWORD: { type: secret, default: s3cret }
            services:
              web:
                image: tidegate-test/web:1.0.0
                environment: [ "A=1", "PASSWORD=${DB_PASSWORD}" ]
                ports: [ "127.0.0.1:18080:8080" ]
                depends_on: [ db ]
              db:
                image: tidegate-test/worker:1.0.0
            """);

        var first = await Tidegate("config", file);
        var second = await Tidegate("config", Write("rendered.yml", first.Stdout));

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.DoesNotContain("s3cret", first.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_EnvFileAndVarPrecedence_VarWins()
    {
        var file = Write("stack.yml", "services:\n  web:\n    image: \"tidegate-test/web:${TAG:-1.0.0}\"\n    environment:\n      MODE: ${MODE}\n");
        var env = Write("values.env", "TAG=1.1.0\nMODE=from-env-file\n");

        var result = await Tidegate("config", file, "--env-file", env, "--var", "MODE=from-var");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("image: tidegate-test/web:1.1.0", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("MODE: from-var", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_UnknownStackId_IsAUsageErrorNamingIt()
    {
        var result = await Tidegate("config", "demo:nope:web", "--catalog-dir", RepositoryPaths.DemoCatalog);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'demo:nope:web' not found", result.Stderr, StringComparison.Ordinal);
    }
}
