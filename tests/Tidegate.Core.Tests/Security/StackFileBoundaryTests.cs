using System.Globalization;
using System.Text;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Deployments;
using Tidegate.Core.Tests.Definitions;

namespace Tidegate.Core.Tests.Security;

/// <summary>Trust boundary "catalog author → Tidegate host": every path a stack names (include, extends, env_file,
/// secret and config files) resolves below the stack's source root, links followed; a diagnostic names the path and
/// the rule and never quotes a file the stack named; parsing is bounded. Bind mounts are the documented exception.</summary>
public sealed class StackFileBoundaryTests : IDisposable
{
    /// <summary>Written into every file outside the source and every secret-like file: it must never come back.</summary>
    private const string Secret = "TIDEGATE-SECRET-7f3a91c2";

    private readonly TempDirectory _dir = new();

    public StackFileBoundaryTests()
    {
        _dir.Write("outside/secret.yaml", $"services:\n  stolen:\n    image: {Secret}\n");
        _dir.Write("outside/secret.env", $"STOLEN={Secret}\n");
        _dir.Write("outside/secret.key", Secret + "\n");
        _dir.Write("source/app/image.yaml", "services:\n  base:\n    image: nginx\n");
        File.CreateSymbolicLink(Path.Combine(SourceRoot, "app", "link.yaml"), Path.Combine(_dir.Path, "outside", "secret.yaml"));
        File.CreateSymbolicLink(Path.Combine(SourceRoot, "app", "relative-link.yaml"), "../../outside/secret.yaml");
        Directory.CreateSymbolicLink(Path.Combine(SourceRoot, "app", "linkdir"), Path.Combine(_dir.Path, "outside"));
    }

    private string SourceRoot => Path.Combine(_dir.Path, "source");

    private string Outside => Path.Combine(_dir.Path, "outside");

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string, string, string> Escapes => new()
    {
        { "include ../..", "include:\n  - ../../outside/secret.yaml\nservices:\n  web:\n    image: nginx\n", "include[0]", "include path '../../outside/secret.yaml' leaves the catalog source" },
        { "absolute include", "include:\n  - {OUT}/secret.yaml\nservices:\n  web:\n    image: nginx\n", "include[0]", "include path '{OUT}/secret.yaml' leaves the catalog source" },
        { "include of a host file", "include:\n  - /proc/self/environ\nservices:\n  web:\n    image: nginx\n", "include[0]", "include path '/proc/self/environ' leaves the catalog source" },
        { "long include", "include:\n  - path: [../../outside/secret.yaml]\nservices:\n  web:\n    image: nginx\n", "include[0]", "include path '../../outside/secret.yaml' leaves the catalog source" },
        { "symlink out", "include:\n  - link.yaml\nservices:\n  web:\n    image: nginx\n", "include[0]", "include path 'link.yaml' leaves the catalog source" },
        { "relative symlink out", "include:\n  - relative-link.yaml\nservices:\n  web:\n    image: nginx\n", "include[0]", "include path 'relative-link.yaml' leaves the catalog source" },
        { "symlinked directory", "include:\n  - linkdir/secret.yaml\nservices:\n  web:\n    image: nginx\n", "include[0]", "include path 'linkdir/secret.yaml' leaves the catalog source" },
        { "extends file outside", "services:\n  web:\n    image: nginx\n    extends:\n      file: ../../outside/secret.yaml\n      service: stolen\n", "services.web.extends.file", "extends path '../../outside/secret.yaml' leaves the catalog source" },
        { "extends through a link", "services:\n  web:\n    image: nginx\n    extends:\n      file: link.yaml\n      service: stolen\n", "services.web.extends.file", "extends path 'link.yaml' leaves the catalog source" },
        { "env_file outside", "services:\n  web:\n    image: nginx\n    env_file: ../../outside/secret.env\n", "services.web.env_file", "env_file path '../../outside/secret.env' leaves the catalog source" },
        { "optional env_file outside", "services:\n  web:\n    image: nginx\n    env_file:\n      - path: {OUT}/secret.env\n        required: false\n", "services.web.env_file", "env_file path '{OUT}/secret.env' leaves the catalog source" },
        { "env_file through a linked directory", "services:\n  web:\n    image: nginx\n    env_file: linkdir/secret.env\n", "services.web.env_file", "env_file path 'linkdir/secret.env' leaves the catalog source" },
        { "secrets file outside", "services:\n  web:\n    image: nginx\n    secrets: [key]\nsecrets:\n  key:\n    file: ../../outside/secret.key\n", "secrets.key.file", "secret file path '../../outside/secret.key' leaves the catalog source" },
        { "secrets file in the home directory", "services:\n  web:\n    image: nginx\n    secrets: [key]\nsecrets:\n  key:\n    file: ~/.ssh/id_rsa\n", "secrets.key.file", "secret file path '~/.ssh/id_rsa' leaves the catalog source" },
        { "configs file outside", "services:\n  web:\n    image: nginx\n    configs: [conf]\nconfigs:\n  conf:\n    file: {OUT}/secret.key\n", "configs.conf.file", "config file path '{OUT}/secret.key' leaves the catalog source" },
        { "configs file through a link", "services:\n  web:\n    image: nginx\n    configs: [conf]\nconfigs:\n  conf:\n    file: linkdir/secret.key\n", "configs.conf.file", "config file path 'linkdir/secret.key' leaves the catalog source" },
        { "include of a file that includes outside", "include:\n  - inner.yaml\nservices:\n  web:\n    image: nginx\n", "include[0]", "include path '../../outside/secret.yaml' leaves the catalog source" },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public void APathLeavingTheSource_IsAnErrorNamingThePathAndTheRule_AndNothingOutsideIsRead(string name, string stack, string path, string rule)
    {
        _dir.Write("source/app/inner.yaml", "include:\n  - ../../outside/secret.yaml\n");
        var main = _dir.Write("source/app/compose.yaml", stack.Replace("{OUT}", Outside, StringComparison.Ordinal));

        var template = StackLoader.LoadFile(main, SourceRoot);
        var resolved = StackResolver.Resolve(template);
        var all = template.Diagnostics.Concat(resolved.Diagnostics).ToList();

        var error = Assert.Single(all.Where(d => d.Severity == DiagnosticSeverity.Error).Distinct());
        Assert.True(error.Path == path, $"{name}: {error}");
        Assert.Contains(rule.Replace("{OUT}", Outside, StringComparison.Ordinal), error.Message, StringComparison.Ordinal);
        Assert.True(error.Line > 0, $"{name}: {error}");
        Assert.DoesNotContain(all, d => d.ToString().Contains(Secret, StringComparison.Ordinal));
        Assert.DoesNotContain(template.Files.Read.Keys, f => !f.StartsWith(SourceRoot + "/", StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, resolved.Render(new RenderOptions { RevealSecrets = true }), StringComparison.Ordinal);
    }

    [Fact]
    public void PathsThatStayInsideTheSource_AreRead_EvenThroughALinkThatStaysInside()
    {
        _dir.Write("source/shared/db.yaml", "services:\n  db:\n    image: postgres\n");
        _dir.Write("source/shared/web.env", "GREETING=hello\n");
        File.CreateSymbolicLink(Path.Combine(SourceRoot, "app", "db-link.yaml"), "../shared/db.yaml");
        var main = _dir.Write("source/app/compose.yaml",
            "include:\n  - db-link.yaml\nservices:\n  web:\n    extends:\n      file: image.yaml\n      service: base\n    env_file: ../shared/web.env\n");

        var resolved = StackResolver.Resolve(StackLoader.LoadFile(main, SourceRoot));

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        Assert.Equal(["db", "web"], resolved.Project!.Services.Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Equal("hello", resolved.Project.Services.Single(s => s.Name == "web").Environment["GREETING"]);
    }

    [Fact]
    public void BindMountsOutsideTheSource_StayAllowed()
    {
        var main = _dir.Write("source/app/compose.yaml", $"services:\n  web:\n    image: nginx\n    volumes:\n      - {Outside}:/data:ro\n      - ../../outside:/more\n      - type: bind\n        source: /var/log\n        target: /logs\n");

        var resolved = StackResolver.Resolve(StackLoader.LoadFile(main, SourceRoot));

        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        Assert.Equal([Outside, "../../outside", "/var/log"], resolved.Project!.Services[0].Volumes.Select(v => v.Source));
    }

    [Fact]
    public void AStackGivenOnItsOwn_StaysBelowItsOwnDirectory_UnlessARootIsGiven()
    {
        _dir.Write("source/shared/db.yaml", "services:\n  db:\n    image: postgres\n");
        var main = _dir.Write("source/app/compose.yaml", "include:\n  - ../shared/db.yaml\nservices:\n  web:\n    image: nginx\n");

        var beside = StackCommands.Validate([main]);
        var rooted = StackCommands.Validate([main], SourceRoot);

        Assert.Contains(beside, d => d.Severity == DiagnosticSeverity.Error && d.Message.Contains("include path '../shared/db.yaml' leaves the stack's directory", StringComparison.Ordinal));
        Assert.Empty(rooted.Errors());
    }

    /// <summary>A secret-like file inside the source is still never echoed: the stack author may not be the one who
    /// put it there, and viewers read catalog diagnostics.</summary>
    [Theory]
    [InlineData("a PEM key included", "secret.key", "-----BEGIN PRIVATE KEY-----\nMIIEv" + Secret + "\n-----END PRIVATE KEY-----\n", "include:\n  - secret.key\nservices:\n  web:\n    image: nginx\n")]
    [InlineData("a one-line key included", "secret.key", Secret + "\n", "include:\n  - secret.key\nservices:\n  web:\n    image: nginx\n")]
    [InlineData("invalid YAML included", "secret.key", "token: [" + Secret + "\n", "include:\n  - secret.key\nservices:\n  web:\n    image: nginx\n")]
    [InlineData("an unknown alias included", "secret.key", "services: *" + Secret + "\n", "include:\n  - secret.key\nservices:\n  web:\n    image: nginx\n")]
    [InlineData("a wrong type included", "secret.yaml", "services:\n  web2: " + Secret + "\n", "include:\n  - secret.yaml\nservices:\n  web:\n    image: nginx\n")]
    [InlineData("a bad interpolation included", "secret.yaml", "services:\n  web2:\n    image: \"${" + Secret + "\"\n", "include:\n  - secret.yaml\nservices:\n  web:\n    image: nginx\n")]
    [InlineData("a required-variable message included", "secret.yaml", "services:\n  web2:\n    image: \"${MISSING:?" + Secret + "}\"\n", "include:\n  - secret.yaml\nservices:\n  web:\n    image: nginx\n")]
    [InlineData("a key extended", "secret.key", Secret + "\n", "services:\n  web:\n    extends:\n      file: secret.key\n      service: web\n")]
    [InlineData("a key as env_file", "secret.key", "-----BEGIN PRIVATE KEY-----\n" + Secret + "\n", "services:\n  web:\n    image: nginx\n    env_file: secret.key\n")]
    [InlineData("a key with a bad name as env_file", "secret.key", "1" + Secret + "=x\n", "services:\n  web:\n    image: nginx\n    env_file: secret.key\n")]
    public void AnErrorInAFileTheStackNames_NeverQuotesThatFile(string name, string file, string content, string stack)
    {
        _dir.Write("source/app/" + file, content);
        var main = _dir.Write("source/app/compose.yaml", stack);

        var template = StackLoader.LoadFile(main, SourceRoot);
        var resolved = StackResolver.Resolve(template);
        var all = template.Diagnostics.Concat(resolved.Diagnostics).ToList();

        Assert.True(all.Any(d => d.Severity == DiagnosticSeverity.Error), $"{name}: expected an error");
        Assert.DoesNotContain(all, d => d.ToString().Contains(Secret, StringComparison.Ordinal));
        Assert.Contains(all, d => d.Severity == DiagnosticSeverity.Error && d.File.EndsWith(file, StringComparison.Ordinal) && d.Line > 0);
    }

    [Fact]
    public void ARevisionsCopy_FollowsTheSameRule_NewAndOlderRevisions()
    {
        var file = Path.Combine(SourceRoot, "app", "compose.yaml");
        var copy = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Path.Combine(Outside, "secret.yaml")] = $"services:\n  stolen:\n    image: {Secret}\n",
        };
        var source = $"include:\n  - {Outside}/secret.yaml\nservices:\n  web:\n    image: nginx\n";

        foreach (var stored in new[] { new StoredDefinition(file, source, "", copy, SourceRoot), new StoredDefinition(file, source, "", copy) })
        {
            var template = stored.Load(CancellationToken.None);

            var error = Assert.Single(template.Diagnostics.Errors());
            Assert.Contains("leaves the catalog source", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, StackResolver.Resolve(template).Render(new RenderOptions { RevealSecrets = true }), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ARevisionRecordsItsRoot_SoARollbackResolvesIncludesAcrossTheSourceFromTheCopy()
    {
        _dir.Write("source/shared/db.yaml", "services:\n  db:\n    image: postgres\n");
        var main = _dir.Write("source/app/compose.yaml", "include:\n  - ../shared/db.yaml\nservices:\n  web:\n    image: nginx\n");
        var stackSource = new StackSource(File.ReadAllText(main), main, SourceRoot);
        var resolved = StackResolver.Resolve(stackSource.Load(CancellationToken.None));

        var stored = StoredDefinition.Of(stackSource, resolved);
        Directory.Delete(Path.Combine(SourceRoot, "shared"), recursive: true);
        var again = stored.Load(CancellationToken.None);

        Assert.Equal(SourceRoot, stored.Root);
        Assert.False(again.HasErrors, string.Join("\n", again.Diagnostics));
        Assert.Equal(["db", "web"], again.Preview!.Services.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AFileLargerThanTheLimit_IsAnError_NotRead()
    {
        _dir.Write("source/app/big.yaml", "x-big: \"" + new string('a', StackFiles.MaxFileBytes + 10) + "\"\n");
        var main = _dir.Write("source/app/compose.yaml", "include:\n  - big.yaml\nservices:\n  web:\n    image: nginx\n");

        var template = StackLoader.LoadFile(main, SourceRoot);

        var error = Assert.Single(template.Diagnostics.Errors());
        Assert.Equal("include[0]", error.Path);
        Assert.Contains("larger than 1024 KiB", error.Message, StringComparison.Ordinal);
        Assert.Empty(template.Files.Read);
    }

    [Fact]
    public void IncludesNestedTooDeep_StopWithAnError()
    {
        for (var i = 0; i < 30; i++)
        {
            _dir.Write($"source/app/level{i}.yaml", $"include:\n  - level{i + 1}.yaml\nx-level{i}: {i}\n");
        }

        _dir.Write("source/app/level30.yaml", "services:\n  deep:\n    image: nginx\n");
        var main = _dir.Write("source/app/compose.yaml", "include:\n  - level0.yaml\nservices:\n  web:\n    image: nginx\n");

        var template = StackLoader.LoadFile(main, SourceRoot);

        Assert.Contains(template.Diagnostics.Errors(), d => d.Message.Contains($"nests more than {ComposeFileLoader.MaxDepth} files deep", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IncludesFannedOut_StopAtTheFileLimit_InsteadOfMultiplying()
    {
        // Each level includes the next one ten times: 10^6 loads without a limit.
        for (var i = 0; i < 6; i++)
        {
            var includes = string.Concat(Enumerable.Range(0, 10).Select(n => $"  - path: level{i + 1}.yaml\n"));
            _dir.Write($"source/app/level{i}.yaml", "include:\n" + includes);
        }

        _dir.Write("source/app/level6.yaml", "services:\n  leaf:\n    image: nginx\n");
        var main = _dir.Write("source/app/compose.yaml", "include:\n  - level0.yaml\nservices:\n  web:\n    image: nginx\n");

        var template = await Task.Run(() => StackLoader.LoadFile(main, SourceRoot)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(template.Diagnostics.Errors(), d => d.Message.Contains($"more than {StackFiles.MaxFiles} files", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeeplyNestedFlowCollections_AreAnError_NotAStackOverflow()
    {
        var text = "services: " + new string('[', 200_000) + new string(']', 200_000) + "\n";

        var template = await Task.Run(() => StackLoader.LoadText(text, Path.Combine(SourceRoot, "deep.yaml"))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(template.Diagnostics.Errors(), d => d.Message.Contains("nests more than", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMapOfManyKeysMergedOften_LoadsInLinearTime()
    {
        var yaml = new StringBuilder("x-base: &base\n");
        for (var i = 0; i < 20_000; i++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  k{i}: v\n");
        }

        yaml.Append("x-merged:\n  <<: [*base, *base]\n  k1: explicit\nservices:\n  web:\n    image: nginx\n");

        var template = await Task.Run(() => StackLoader.LoadText(yaml.ToString(), Path.Combine(SourceRoot, "keys.yaml"))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(template.Diagnostics.Errors());
    }

    [Theory]
    [InlineData("healthcheck:\n  interval: 2000h", "services.web.healthcheck.interval", "at most 24h0m0s")]
    [InlineData("healthcheck:\n  start_period: 99999999999999999999h", "services.web.healthcheck.start_period", "too large")]
    [InlineData("stop_grace_period: 2562048h", "services.web.stop_grace_period", "too large")]
    [InlineData("stop_grace_period: 100000000000000000000000000000s", "services.web.stop_grace_period", "too large")]
    [InlineData("stop_grace_period: 25h", "services.web.stop_grace_period", "at most 24h0m0s")]
    [InlineData("deploy:\n  update_config:\n    delay: 9999h", "services.web.deploy.update_config.delay", "at most 24h0m0s")]
    [InlineData("cpus: 1e20", "services.web.cpus", "expected a number 0-4096")]
    [InlineData("deploy:\n  resources:\n    limits:\n      cpus: \"99999999999999999999\"", "services.web.deploy.resources.limits.cpus", "expected a number 0-4096")]
    [InlineData("scale: 2000000000", "services.web.scale", "expected a number of replicas 0-1000")]
    public void NumbersAndDurations_OutOfRange_AreDiagnostics_NotOverflows(string yaml, string path, string message)
    {
        var (_, diagnostics) = ServiceFixture.Load(yaml);

        var error = Assert.Single(diagnostics.Errors());
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHookTimeoutBeyondTheLimit_IsADiagnostic_NotATimerOverflow()
    {
        var main = _dir.Write("source/app/compose.yaml",
            "x-tidegate:\n  hooks:\n    pre:\n      image: busybox\n      command: [\"true\"]\n      timeout: 2000h\nservices:\n  web:\n    image: nginx\n");

        var (_, errors) = Tidegate.Core.Engine.StackHooks.From(StackResolver.Resolve(StackLoader.LoadFile(main, SourceRoot)));

        var error = Assert.Single(errors);
        Assert.Contains("x-tidegate.hooks.pre.timeout", error, StringComparison.Ordinal);
        Assert.Contains("at most 24h0m0s", error, StringComparison.Ordinal);
    }
}
