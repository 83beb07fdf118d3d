using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Variables;

namespace Tidegate.Core.Tests.Definitions;

/// <summary>secrets, configs, devices and platform: what the parser accepts, what the validator rejects (with path and
/// reason), and what resolving adds (host paths of secret files, values of environment sources).</summary>
public sealed class SecretsConfigsDevicesTests
{
    private const string Sources = """
        secrets:
          file_secret:
            file: ./secret.txt
          env_secret:
            environment: API_TOKEN
          outside:
            external: true
          inline:
            content: not allowed for secrets
        configs:
          app_config:
            content: "level=info"
          file_config:
            file: ./app.conf
          remote:
            external: true
        """;

    [Theory]
    [InlineData("/dev/ttyUSB0:/dev/ttyUSB0", "/dev/ttyUSB0|/dev/ttyUSB0|")]
    [InlineData("/dev/sda:/dev/xvda:rwm", "/dev/sda|/dev/xvda|rwm")]
    [InlineData("/dev/null:/dev/quiet:r", "/dev/null|/dev/quiet|r")]
    [InlineData("/dev/fuse", "/dev/fuse|/dev/fuse|")]
    [InlineData("/dev/fuse:rw", "/dev/fuse|/dev/fuse|rw")]
    [InlineData("/dev/snd:/dev/snd:mw", "/dev/snd|/dev/snd|mw")]
    public void ParseDevice_ReadsHostContainerAndPermissions(string text, string expected)
    {
        var device = ValueParsers.ParseDevice(text, out var error);

        Assert.Null(error);
        Assert.Equal(expected, $"{device!.PathOnHost}|{device.PathInContainer}|{device.CgroupPermissions}");
    }

    [Theory]
    [InlineData("vendor1.com/device=gpu", "CDI devices need Docker Engine API 1.45")]
    [InlineData("/dev/sda:/dev/xvda:rwx", "expected device permissions made of r, w and m (such as rwm), got 'rwx'")]
    [InlineData("/dev/sda:/dev/xvda:rr", "expected device permissions made of r, w and m")]
    [InlineData("/dev/sda:/dev/xvda:rwm:extra", "expected HOST_PATH:CONTAINER_PATH[:PERMISSIONS], got '/dev/sda:/dev/xvda:rwm:extra'")]
    [InlineData("/dev/sda::rwm", "expected HOST_PATH:CONTAINER_PATH[:PERMISSIONS]")]
    [InlineData("sda:/dev/xvda", "expected absolute device paths")]
    [InlineData("/dev/sda:xvda", "expected absolute device paths")]
    [InlineData("", "expected HOST_PATH:CONTAINER_PATH[:PERMISSIONS], got ''")]
    public void ParseDevice_RejectsWhatTheEngineCannotTake(string text, string message)
    {
        Assert.Null(ValueParsers.ParseDevice(text, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("linux/amd64")]
    [InlineData("linux/arm64/v8")]
    [InlineData("windows/amd64")]
    [InlineData("linux/arm/v7")]
    public void Platform_InOsArchVariantForm_IsAccepted(string platform)
    {
        var (service, diagnostics) = ServiceFixture.Load($"platform: {platform}");

        Assert.Empty(diagnostics.Errors());
        Assert.Equal(platform, service!.Platform);
    }

    [Theory]
    [InlineData("platform: Linux/AMD64", "services.web.platform", "expected a platform os[/arch[/variant]] such as linux/amd64 or linux/arm64/v8, got 'Linux/AMD64'")]
    [InlineData("platform: linux/amd64/v1/extra", "services.web.platform", "got 'linux/amd64/v1/extra'")]
    [InlineData("platform: \"linux/\"", "services.web.platform", "expected a platform os[/arch[/variant]]")]
    [InlineData("devices: [\"/dev/sda:/dev/xvda:rwx\"]", "services.web.devices[0]", "got 'rwx' in '/dev/sda:/dev/xvda:rwx'")]
    [InlineData("devices:\n  - /dev/ttyUSB0\n  - vendor1.com/device=gpu", "services.web.devices[1]", "CDI device name 'vendor1.com/device=gpu'")]
    [InlineData("secrets: [inline]", "secrets.inline.content", "expected 'file' or 'environment' for a secret; 'content' is only for configs")]
    [InlineData("secrets: [outside]", "services.web.secrets[0]", "secret 'outside' is external, which needs swarm mode")]
    [InlineData("configs: [remote]", "services.web.configs[0]", "config 'remote' is external, which needs swarm mode; Tidegate deploys to a Docker engine without swarm, so give it a 'file' or 'environment' or 'content'")]
    [InlineData("secrets: [nope]", "services.web.secrets[0]", "secret 'nope' is used but not defined in the top-level secrets")]
    [InlineData("configs:\n  - source: nope\n    target: /etc/nope", "services.web.configs[0]", "config 'nope' is used but not defined in the top-level configs")]
    [InlineData("secrets:\n  - file_secret\n  - source: env_secret\n    target: file_secret", "services.web.secrets[1]", "secret 'env_secret' is mounted at /run/secrets/file_secret, where secret 'file_secret' is already mounted")]
    [InlineData("configs:\n  - source: app_config\n    target: /etc/app.conf\nsecrets:\n  - source: file_secret\n    target: /etc/app.conf", "services.web.configs[0]", "config 'app_config' is mounted at /etc/app.conf, where secret 'file_secret' is already mounted")]
    [InlineData("secrets:\n  - source: file_secret\n    target: ../../etc/passwd", "services.web.secrets[0]", "expected an absolute target path without '..', got '/run/secrets/../../etc/passwd'")]
    public void InvalidUse_IsAnErrorWithPathAndReason(string yaml, string path, string message)
    {
        var (_, diagnostics) = ServiceFixture.Load(yaml, Sources);

        var error = Assert.Single(diagnostics.Errors(), d => d.Path != "secrets.inline.content" || path == "secrets.inline.content");
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal("compose.yaml", error.File);
        Assert.True(error.Line > 1, $"line {error.Line}");
    }

    [Theory]
    [InlineData("secrets:\n  - source: env_secret\n    uid: \"103\"\n    gid: \"103\"", "services.web.secrets[0]", "'uid' and 'gid' are ignored: without swarm the secret is a bind-mounted file")]
    [InlineData("configs:\n  - source: file_config\n    mode: 0440", "services.web.configs[0]", "'mode' is ignored: config 'file_config' is the bind-mounted host file './app.conf'")]
    public void WhatABindMountCannotDo_IsAWarning(string yaml, string path, string message)
    {
        var (_, diagnostics) = ServiceFixture.Load(yaml, Sources.Replace("  inline:\n    content: not allowed for secrets\n", "", StringComparison.Ordinal));

        Assert.Empty(diagnostics.Errors());
        var warning = Assert.Single(diagnostics, d => d.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal(path, warning.Path);
    }

    [Fact]
    public void ShortAndLongSyntax_AreTyped()
    {
        var (service, diagnostics) = ServiceFixture.Load("""
            secrets:
              - file_secret
              - source: env_secret
                target: token
                mode: 0440
            configs:
              - app_config
              - source: file_config
                target: /etc/app/app.conf
            """, Sources.Replace("  inline:\n    content: not allowed for secrets\n", "", StringComparison.Ordinal));

        Assert.Empty(diagnostics.Errors());
        Assert.Equal(
            ["file_secret||", "env_secret|token|288"],
            service!.Secrets.Select(r => $"{r.Source}|{r.Target}|{r.Mode}"));
        Assert.Equal(["/run/secrets/file_secret", "/run/secrets/token"], service.Secrets.Select(ComposeValidator.SecretTarget));
        Assert.Equal(["/app_config", "/etc/app/app.conf"], service.Configs.Select(ComposeValidator.ConfigTarget));
    }

    [Fact]
    public void Resolve_GivesFileSourcesTheirHostPath_AndKeepsThePathAsWrittenInTheRender()
    {
        using var dir = new TempDirectory();
        dir.Write("secret.txt", "s3cret");
        var file = dir.Write("compose.yaml", "services:\n  web:\n    image: nginx\n    secrets: [db]\nsecrets:\n  db:\n    file: ./secret.txt\n");

        var resolved = StackResolver.Resolve(StackLoader.LoadFile(file));

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        Assert.Equal(Path.Combine(dir.Path, "secret.txt"), resolved.Project!.Secrets.Single().HostPath);
        Assert.Contains("file: ./secret.txt", resolved.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_OfAnIncludedFile_FindsItsSecretBesideTheIncludedFile()
    {
        using var dir = new TempDirectory();
        dir.Write("db/password.txt", "s3cret");
        dir.Write("db/compose.yaml", "services:\n  db:\n    image: nginx\n    secrets: [pw]\nsecrets:\n  pw:\n    file: ./password.txt\n");
        var file = dir.Write("compose.yaml", "include:\n  - db/compose.yaml\nservices:\n  web:\n    image: nginx\n");

        var resolved = StackResolver.Resolve(StackLoader.LoadFile(file));

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        Assert.Equal(Path.Combine(dir.Path, "db", "password.txt"), resolved.Project!.Secrets.Single().HostPath);
    }

    [Theory]
    [InlineData("missing.txt", "secret file './missing.txt' does not exist (looked for ")]
    [InlineData("folder", "secret file './folder' is a directory; expected a file")]
    public void Resolve_WhenTheSecretFileIsMissing_IsAnErrorAtTheFileField(string name, string message)
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "folder"));
        var file = dir.Write("compose.yaml", $"services:\n  web:\n    image: nginx\n    secrets: [db]\nsecrets:\n  db:\n    file: ./{name}\n");

        var resolved = StackResolver.Resolve(StackLoader.LoadFile(file));

        var error = Assert.Single(resolved.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(("secrets.db.file", file, 7, 11), (error.Path, error.File, error.Line, error.Column));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_OfAnUnusedSecret_DoesNotCheckItsFile()
    {
        var resolved = StackResolver.Resolve(StackLoader.LoadText("services:\n  web:\n    image: nginx\nsecrets:\n  db:\n    file: ./nowhere.txt\n"));

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
    }

    [Fact]
    public void EnvironmentSecret_DiscoversASecretRequiredVariable_AndResolveReadsItsValue()
    {
        const string yaml = "services:\n  web:\n    image: nginx\n    secrets: [token]\n    configs: [level]\nsecrets:\n  token:\n    environment: API_TOKEN\nconfigs:\n  level:\n    environment: LOG_LEVEL\n";
        var template = StackLoader.LoadText(yaml);

        var token = Assert.Single(template.Variables, v => v.Name == "API_TOKEN");
        var level = Assert.Single(template.Variables, v => v.Name == "LOG_LEVEL");
        Assert.True(token.IsSecret && token.Required && !token.Declared);
        Assert.True(!level.IsSecret && level.Required);

        var resolved = StackResolver.Resolve(template, VariableValues.FromDeployment(new Dictionary<string, string> { ["API_TOKEN"] = "tok-123", ["LOG_LEVEL"] = "debug" }));

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        Assert.Equal("tok-123", resolved.Project!.Secrets.Single().EnvironmentValue);
        Assert.Equal("debug", resolved.Project.Configs.Single().EnvironmentValue);
        Assert.DoesNotContain("tok-123", resolved.Render(new RenderOptions { RevealSecrets = true }), StringComparison.Ordinal);
        Assert.DoesNotContain("tok-123", resolved.Project.Secrets.Single().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentSecret_WithoutAValue_IsAnErrorNamingTheVariable()
    {
        var resolved = StackResolver.Resolve(StackLoader.LoadText("services:\n  web:\n    image: nginx\n    secrets: [token]\nsecrets:\n  token:\n    environment: API_TOKEN\n"));

        Assert.Contains(resolved.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Path == "secrets.token.environment"
            && d.Message == "secret 'token' reads the variable 'API_TOKEN', which has no value");
    }
}
