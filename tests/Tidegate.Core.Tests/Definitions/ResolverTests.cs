using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Variables;

namespace Tidegate.Core.Tests.Definitions;

public sealed class ResolverTests
{
    private const string Stack = """
        x-tidegate:
          variables:
            PORT:
              type: port
              default: "8080"
            ADMIN:
              type: email
              required: true
              label: Admin e-mail
        services:
          web:
            image: app:${TAG:-1.0}
            ports: ["${PORT}:80"]
            environment:
              ADMIN: ${ADMIN}
              TOKEN: ${TOKEN:?a token is needed for the API}
        """;

    [Fact]
    public void Resolve_AppliesLayersOverDefaults()
    {
        var template = StackLoader.LoadText(Stack);
        var values = new VariableValues
        {
            Environment = new Dictionary<string, string> { ["PORT"] = "9000", ["TAG"] = "2.0", ["ADMIN"] = "env@example.com", ["TOKEN"] = "t" },
            Deployment = new Dictionary<string, string> { ["PORT"] = "9100" },
        };

        var resolved = StackResolver.Resolve(template, values);

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        var web = resolved.Project!.Service("web")!;
        Assert.Equal(("app:2.0", "9100", "env@example.com"), (web.Image, web.Ports[0].Published, web.Environment["ADMIN"]));
    }

    [Fact]
    public void Resolve_MissingValues_ReportEveryProblemWithTheUsersMessage()
    {
        var template = StackLoader.LoadText(Stack, "stack.yaml");

        var resolved = StackResolver.Resolve(template, VariableValues.FromDeployment(new Dictionary<string, string> { ["PORT"] = "http" }));

        var errors = resolved.Diagnostics.Errors().ToList();
        Assert.Contains(errors, e => e.Path == "x-tidegate.variables.ADMIN" && e.Message == "Admin e-mail (ADMIN) is required" && e.Line == 6);
        Assert.Contains(errors, e => e.Path == "x-tidegate.variables.PORT" && e.Message.Contains("expected a port number 1-65535, got 'http'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "services.web.environment.TOKEN" && e.Message.EndsWith("a token is needed for the API", StringComparison.Ordinal) && e.Line == 16 && e.Column == 14);
        Assert.Contains(errors, e => e.Path == "services.web.ports[0]" && e.Message.Contains("got 'http'", StringComparison.Ordinal));
    }

    [Fact]
    public void Template_WithoutValues_DoesNotCheckValuesThatWaitForVariables()
    {
        var template = StackLoader.LoadText("services:\n  web:\n    image: x\n    ports: [\"${PORT}:80\"]\n    stop_grace_period: ${GRACE}\n");

        Assert.Empty(template.Diagnostics.Errors());
    }

    [Fact]
    public void Config_OneCall_RendersWithVarsAndEnvFiles()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("compose.yaml", "services:\n  web:\n    image: nginx:${TAG}\n    environment:\n      GREETING: ${GREETING}\n");
        var env = dir.Write("prod.env", "TAG=1.25\nGREETING=\"hello from env\"\n");

        var result = StackCommands.Config(file, new Dictionary<string, string> { ["GREETING"] = "hello from var" }, [env]);

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("image: nginx:1.25", result.Yaml, StringComparison.Ordinal);
        Assert.Contains("GREETING: \"hello from var\"", result.Yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_WithErrors_GivesNoYaml()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("compose.yaml", "services:\n  web:\n    image: nginx:${TAG:?set TAG}\n");

        var result = StackCommands.Config(file);

        Assert.False(result.Success);
        Assert.Null(result.Yaml);
        Assert.Contains(result.Diagnostics, d => d.Message.EndsWith("set TAG", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_OneCall_ReturnsAllDiagnostics()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("compose.yaml", "services:\n  web:\n    image: x\n    ports: [abc]\n    restart: sometimes\n    depends_on: [ghost]\n");

        var diagnostics = StackCommands.Validate(file);

        Assert.Equal(3, diagnostics.Errors().Count());
    }

    [Theory]
    [InlineData("A=1", true)]
    [InlineData("A=", true)]
    [InlineData("A=x=y", true)]
    [InlineData("=1", false)]
    [InlineData("1A=1", false)]
    [InlineData("novalue", false)]
    public void ParseVariableArguments_AcceptsNameEqualsValue(string argument, bool valid)
    {
        var errors = new List<string>();

        StackCommands.ParseVariableArguments([argument], errors);

        Assert.Equal(valid, errors.Count == 0);
    }
}

public sealed class InterpolatedValueTypeTests
{
    [Theory]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("Null")]
    [InlineData("true")]
    [InlineData("")]
    public void Resolve_InterpolatedValueThatLooksLikeYamlNull_StaysAString(string value)
    {
        const string yaml = "services:\n  web:\n    image: x\n    environment:\n      MODE: ${MODE}\n    labels:\n      mode: ${MODE}\n";

        var resolved = StackResolver.Resolve(StackLoader.LoadText(yaml), VariableValues.FromDeployment(new Dictionary<string, string> { ["MODE"] = value }));

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        var web = resolved.Project!.Service("web")!;
        Assert.Equal(value, web.Environment["MODE"]);
        Assert.Equal(value, web.Labels["mode"]);
    }

    [Fact]
    public void Render_InterpolatedNull_IsTheString()
    {
        var resolved = StackResolver.Resolve(StackLoader.LoadText("services:\n  web:\n    image: x\n    environment:\n      MODE: ${MODE}\n"),
            VariableValues.FromDeployment(new Dictionary<string, string> { ["MODE"] = "null" }));

        Assert.Contains("MODE: \"null\"", resolved.Render(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("${FLAG}", "true", true)]
    [InlineData("${FLAG}", "false", false)]
    public void Resolve_InterpolatedBooleanInABooleanField_IsStillRead(string template, string value, bool expected)
    {
        var resolved = StackResolver.Resolve(StackLoader.LoadText($"services:\n  web:\n    image: x\n    privileged: {template}\n"),
            VariableValues.FromDeployment(new Dictionary<string, string> { ["FLAG"] = value }));

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        Assert.Equal(expected, resolved.Project!.Service("web")!.Privileged);
    }
}

public sealed class EnvFileTests
{
    [Fact]
    public void Resolve_ReadsEnvFilesUnderTheEnvironment()
    {
        using var dir = new TempDirectory();
        dir.Write("conf/common.env", "A=from-common\nB=from-common\n# comment\nC=\"quoted value\"\n");
        dir.Write("conf/override.env", "B=from-override\n");
        var file = dir.Write("compose.yaml", """
            services:
              web:
                image: x
                env_file:
                  - conf/common.env
                  - path: conf/override.env
                  - path: conf/optional.env
                    required: false
                environment:
                  C: from-environment
            """);

        var resolved = StackResolver.Resolve(StackLoader.LoadFile(file));

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        var web = resolved.Project!.Service("web")!;
        Assert.Equal("A=from-common;B=from-override;C=from-environment", string.Join(";", web.Environment.Select(e => $"{e.Key}={e.Value}")));
        Assert.Empty(web.EnvFiles);
        Assert.DoesNotContain("env_file", resolved.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_MissingRequiredEnvFile_IsAnErrorAtTheField()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("compose.yaml", "services:\n  web:\n    image: x\n    env_file: missing.env\n");

        var resolved = StackResolver.Resolve(StackLoader.LoadFile(file));

        var error = Assert.Single(resolved.Diagnostics.Errors());
        Assert.Equal(("services.web.env_file", 4, 15), (error.Path, error.Line, error.Column));
    }

    [Fact]
    public void Render_SecretInterpolatedInsideAnEnvFile_IsMasked()
    {
        using var dir = new TempDirectory();
        dir.Write("db.env", "DB_URL=postgres://u:${DB_PASSWORD}@db\n");
        var file = dir.Write("compose.yaml", "x-tidegate:\n  variables:\n    DB_PASSWORD:\n      type: secret\nservices:\n  web:\n    image: x\n    env_file: db.env\n");

        var resolved = StackResolver.Resolve(StackLoader.LoadFile(file), VariableValues.FromDeployment(new Dictionary<string, string> { ["DB_PASSWORD"] = "hunter2" }));

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        Assert.Equal("postgres://u:hunter2@db", resolved.Project!.Service("web")!.Environment["DB_URL"]);
        var rendered = resolved.Render();
        Assert.DoesNotContain("hunter2", rendered, StringComparison.Ordinal);
        Assert.Contains("postgres://u:********@db", rendered, StringComparison.Ordinal);
    }
}

public sealed class SecretDiagnosticsTests
{
    [Fact]
    public void Resolve_SecretInATypedField_DoesNotLeakIntoMessages()
    {
        const string yaml = "x-tidegate:\n  variables:\n    PW:\n      type: secret\nservices:\n  web:\n    image: x\n    ports: [\"${PW}\"]\n";

        var resolved = StackResolver.Resolve(StackLoader.LoadText(yaml), VariableValues.FromDeployment(new Dictionary<string, string> { ["PW"] = "hunter2" }));

        var error = Assert.Single(resolved.Diagnostics.Errors());
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.Contains("********", error.Message, StringComparison.Ordinal);
    }
}
