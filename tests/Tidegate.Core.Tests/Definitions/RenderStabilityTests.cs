using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Variables;

namespace Tidegate.Core.Tests.Definitions;

public sealed class RenderStabilityTests
{
    private static readonly Dictionary<string, string> Values = new()
    {
        ["DB_PASSWORD"] = "s3cr$t",
        ["NGINX_VERSION"] = "1.27",
        ["TAG"] = "2.1.1",
    };

    [Theory]
    [InlineData("webshop.yaml")]
    [InlineData("plain.yaml")]
    [InlineData("workers.yaml")]
    public void Render_OfARender_EqualsTheRender(string stack)
    {
        var template = StackLoader.LoadFile(TestFiles.Stack(stack));
        Assert.DoesNotContain(template.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        var resolved = StackResolver.Resolve(template, VariableValues.FromDeployment(Values));
        Assert.False(resolved.HasErrors, string.Join("\n", resolved.Diagnostics));
        var options = new RenderOptions { RevealSecrets = true };
        var first = resolved.Render(options);

        // Relative paths in a render (secret files) start at the stack's directory, so the render is read from there.
        var beside = Path.Combine(Path.GetDirectoryName(TestFiles.Stack(stack))!, "rendered.yaml");
        var again = StackResolver.Resolve(StackLoader.LoadText(first, beside), VariableValues.FromDeployment(Values));
        Assert.False(again.HasErrors, string.Join("\n", again.Diagnostics) + "\n" + first);
        Assert.Equal(first, again.Render(options));
    }

    [Fact]
    public void Render_Webshop_UsesCanonicalLongForms()
    {
        var resolved = StackResolver.Resolve(StackLoader.LoadFile(TestFiles.Stack("webshop.yaml")), VariableValues.FromDeployment(Values));
        var yaml = resolved.Render(new RenderOptions { RevealSecrets = true });

        Assert.Contains("      - mode: ingress\n        protocol: tcp\n        published: \"8080\"\n        target: 8080\n", yaml, StringComparison.Ordinal);
        Assert.Contains("image: registry.example.com/shop/web:2.1.1", yaml, StringComparison.Ordinal);
        Assert.Contains("PRICE: \"$$5\"", yaml, StringComparison.Ordinal);
        Assert.Contains("start_period: 1m30s", yaml, StringComparison.Ordinal);
        Assert.Contains("memory: 536870912", yaml, StringComparison.Ordinal);
        Assert.Contains("condition: service_healthy", yaml, StringComparison.Ordinal);
        Assert.StartsWith("name: webshop\nservices:\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MasksSecretValues_UnlessRevealed()
    {
        var resolved = StackResolver.Resolve(StackLoader.LoadFile(TestFiles.Stack("webshop.yaml")), VariableValues.FromDeployment(Values));

        var masked = resolved.Render();
        var revealed = resolved.Render(new RenderOptions { RevealSecrets = true });

        Assert.DoesNotContain("s3cr", masked, StringComparison.Ordinal);
        Assert.Contains("Password=********", masked, StringComparison.Ordinal);
        Assert.Contains("Password=s3cr$$t", revealed, StringComparison.Ordinal);
        Assert.Equal("s3cr$t", resolved.Project!.Service("web")!.Environment["ConnectionStrings__Db"]![(1 + "Server=db;Password".Length)..]);
    }

    [Fact]
    public void Render_MasksSecretDefaultsInTheExtension_UnlessRevealed()
    {
        const string yaml = "x-tidegate:\n  variables:\n    PW:\n      type: password\n      default: hunter2\nservices:\n  web:\n    image: x\n    environment:\n      PW: ${PW}\n";
        var resolved = StackResolver.Resolve(StackLoader.LoadText(yaml));

        Assert.DoesNotContain("hunter2", resolved.Render(), StringComparison.Ordinal);
        Assert.Contains("hunter2", resolved.Render(new RenderOptions { RevealSecrets = true }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("@scoped")]
    [InlineData("~home")]
    [InlineData("yes")]
    [InlineData("0123")]
    [InlineData("1e5")]
    [InlineData("a: b")]
    [InlineData("trailing:")]
    [InlineData("#hash")]
    [InlineData(" padded ")]
    [InlineData("multi\nline")]
    [InlineData("quote\"s")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("-dash")]
    [InlineData("[list]")]
    [InlineData("{map}")]
    [InlineData("*alias")]
    [InlineData("&anchor")]
    [InlineData("!tag")]
    [InlineData("%percent")]
    [InlineData("back`tick")]
    [InlineData("2.1.0-rc.1")]
    public void Render_AnyStringValue_ReadsBackUnchanged(string value)
    {
        var project = new Tidegate.Core.Definitions.Compose.ComposeProject
        {
            Services = [new Tidegate.Core.Definitions.Compose.ServiceDefinition { Name = "s", Image = "x", Labels = new Dictionary<string, string> { ["l"] = value } }],
        };

        var reloaded = StackLoader.LoadText(ComposeRenderer.Render(project));

        Assert.Empty(reloaded.Diagnostics);
        Assert.Equal(value, reloaded.Preview!.Service("s")!.Labels["l"]);
    }

    [Fact]
    public void Render_OfAStackBuiltFromIncludeExtendsAndOverrides_IsStable()
    {
        using var dir = new TempDirectory();
        dir.Write("shared/base.yaml", "services:\n  base:\n    image: app:${TAG:-1}\n    healthcheck:\n      test: curl -f http://localhost\n      interval: 15s\n");
        dir.Write("shared/db.yaml", "services:\n  db:\n    image: postgres:16\n    volumes: [dbdata:/var/lib/postgresql/data]\nvolumes:\n  dbdata: {}\n");
        var main = dir.Write("compose.yaml", """
            include: [shared/db.yaml]
            services:
              web:
                extends:
                  file: shared/base.yaml
                  service: base
                ports: ["8080:80"]
                depends_on:
                  db: {condition: service_healthy}
            """);
        var prod = dir.Write("compose.prod.yaml", "services:\n  web:\n    ports: [\"443:443\"]\n    deploy: {replicas: 3}\n");

        var first = StackResolver.Resolve(StackLoader.LoadFiles([main, prod])).Render();
        var second = StackResolver.Resolve(StackLoader.LoadText(first, dir.Write("rendered.yaml", first))).Render();

        Assert.Equal(first, second);
        Assert.Contains("image: app:1", first, StringComparison.Ordinal);
        Assert.Contains("replicas: 3", first, StringComparison.Ordinal);
    }
}
