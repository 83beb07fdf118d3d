using Tidegate.Core.Definitions;

namespace Tidegate.Core.Tests.Definitions;

public sealed class TidegateExtensionTests
{
    private static StackTemplate Load(string xTidegate)
    {
        var indented = string.Join("\n", xTidegate.Split('\n').Select(l => "  " + l));
        return StackLoader.LoadText("x-tidegate:\n" + indented + "\nservices:\n  web:\n    image: nginx\n", "stack.yaml");
    }

    [Fact]
    public void Metadata_IsReadFromTheExtension()
    {
        var t = Load("productId: shop\nproductName: Shop\nstack: web\ndescription: A shop\nversion: 1.2.3\nreleaseNotes: https://example.com/notes");

        Assert.Empty(t.Diagnostics);
        Assert.Equal(("shop", "Shop", "web", "A shop", "1.2.3", "https://example.com/notes"),
            (t.Metadata.ProductId, t.Metadata.ProductName, t.Metadata.StackName, t.Metadata.Description, t.Metadata.Version, t.Metadata.ReleaseNotesUrl));
    }

    [Theory]
    [InlineData("product: shop", "shop")]
    [InlineData("productId: shop", "shop")]
    public void ProductId_AcceptsBothSpellings(string line, string expected)
        => Assert.Equal(expected, Load(line).Metadata.ProductId);

    [Theory]
    [InlineData("1.0.0", true)]
    [InlineData("2.1.0-rc.1", true)]
    [InlineData("1.0.0+build.5", true)]
    [InlineData("1.0.0-alpha.beta+exp.sha.5114f85", true)]
    [InlineData("1.0", false)]
    [InlineData("v1.0.0", false)]
    [InlineData("1.0.0.0", false)]
    [InlineData("latest", false)]
    [InlineData("01.0.0", false)]
    [InlineData("1.0.0-", false)]
    public void Version_MustBeSemVer2(string version, bool valid)
    {
        var t = Load("version: \"" + version + "\"");

        if (valid)
        {
            Assert.Empty(t.Diagnostics.Errors());
        }
        else
        {
            var error = Assert.Single(t.Diagnostics.Errors());
            Assert.Equal(("x-tidegate.version", 2, 12), (error.Path, error.Line, error.Column));
            Assert.Contains("expected a SemVer 2.0 version", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("string", "String")]
    [InlineData("number", "Number")]
    [InlineData("boolean", "Boolean")]
    [InlineData("secret", "Secret")]
    [InlineData("password", "Secret")]
    [InlineData("port", "Port")]
    [InlineData("url", "Url")]
    [InlineData("email", "Email")]
    [InlineData("path", "Path")]
    [InlineData("multiline", "Multiline")]
    [InlineData("connectionString", "ConnectionString")]
    public void VariableTypes_AreRecognized(string type, string expected)
    {
        var t = Load("variables:\n  V:\n    type: " + type);

        Assert.Empty(t.Diagnostics.Errors());
        Assert.Equal(expected, Assert.Single(t.Variables).Type.ToString());
    }

    [Fact]
    public void Variable_AllFieldsAreRead()
    {
        var t = Load("""
            variables:
              DB_PORT:
                type: number
                label: Database port
                description: Port of the database
                required: true
                default: 5432
                pattern: "[0-9]+"
                patternMessage: digits only
                min: 1024
                max: 65535
                group: Database
                order: 7
              MODE:
                options:
                  - fast
                  - value: safe
                    label: Safe mode
            """);

        Assert.Empty(t.Diagnostics.Errors());
        var v = t.Variables[0];
        Assert.Equal(("DB_PORT", VariableType.Number, "Database port", "Port of the database", true, "5432"), (v.Name, v.Type, v.Label, v.Description, v.Required, v.Default));
        Assert.Equal(("[0-9]+", "digits only", 1024m, 65535m, "Database", 7, true), (v.Pattern, v.PatternMessage, v.Min, v.Max, v.Group, v.Order, v.Declared));
        var mode = t.Variables[1];
        Assert.Equal(VariableType.Select, mode.Type);
        Assert.Equal([new VariableOption("fast", null), new VariableOption("safe", "Safe mode")], mode.Options);
    }

    [Theory]
    [InlineData("variables:\n  V:\n    type: colour", "x-tidegate.variables.V.type", 4, 13, "expected a variable type")]
    [InlineData("variables:\n  1BAD:\n    type: string", "x-tidegate.variables.1BAD", 3, 5, "expected a variable name")]
    [InlineData("variables:\n  V:\n    type: select", "x-tidegate.variables.V", 4, 7, "expected 'options' for a select variable")]
    [InlineData("variables:\n  V:\n    type: number\n    default: abc", "x-tidegate.variables.V.default", 5, 16, "expected a number, got 'abc'")]
    [InlineData("variables:\n  V:\n    type: port\n    default: 70000", "x-tidegate.variables.V.default", 5, 16, "expected a port number 1-65535")]
    [InlineData("variables:\n  V:\n    pattern: \"[a-\"", "x-tidegate.variables.V.pattern", 4, 16, "expected a regular expression")]
    [InlineData("variables:\n  V:\n    required: maybe", "x-tidegate.variables.V.required", 4, 17, "expected a boolean")]
    [InlineData("variables:\n  V:\n    min: 5\n    max: 1", "x-tidegate.variables.V.min", 4, 12, "expected min (5) to be at most max (1)")]
    [InlineData("variables:\n  V:\n    type: select\n    options: [a, b]\n    default: c", "x-tidegate.variables.V.default", 6, 16, "expected one of a, b, got 'c'")]
    [InlineData("variables: [A, B]", "x-tidegate.variables", 2, 14, "expected a mapping")]
    [InlineData("releaseNotes: not a url", "x-tidegate.releaseNotes", 2, 17, "expected an absolute URL")]
    public void Variables_Malformed_ReportPathAndPosition(string yaml, string path, int line, int column, string message)
    {
        var t = Load(yaml);

        var error = Assert.Single(t.Diagnostics.Errors());
        Assert.Equal((path, line, column), (error.Path, error.Line, error.Column));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherSections_AreKeptWithPositions_AndUnknownKeysWarn()
    {
        var t = Load("""
            strategy:
              type: blue-green
            hooks:
              pre: [a]
            maintenanceObserver:
              type: sqlExtendedProperty
              connectionString: ${DB_CONNECTION}
              propertyName: ams.MaintenanceMode
              maintenanceValue: "1"
              normalValue: "0"
              pollingInterval: 30s
            backup: {}
            restore: {}
            edge:
              entry: web
            somethingElse: 1
            """);

        Assert.Empty(t.Diagnostics.Errors());
        Assert.Equal(["backup", "edge", "hooks", "maintenanceObserver", "restore", "strategy"], t.Extension.Sections.Keys.Order(StringComparer.Ordinal));
        var observer = t.Extension.Section("maintenanceObserver")!;
        Assert.Equal(7, observer.Mark.Line);
        Assert.Contains(t.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning && d.Message.Contains("somethingElse", StringComparison.Ordinal));
        Assert.Contains(t.Variables, v => v.Name == "DB_CONNECTION" && !v.Declared && v.Required);
    }

    [Fact]
    public void PlainComposeFile_IsAValidStackWithDiscoveredVariables()
    {
        var t = StackLoader.LoadText("services:\n  web:\n    image: nginx:${TAG:-latest}\n    environment:\n      KEY: ${API_KEY:?an API key is needed}\n");

        Assert.Empty(t.Diagnostics);
        Assert.Null(t.Metadata.ProductId);
        Assert.Equal(["API_KEY", "TAG"], t.Variables.Select(v => v.Name));
        Assert.All(t.Variables, v => Assert.False(v.Declared));
        Assert.Equal("an API key is needed", t.Variables[0].Description);
    }

    [Fact]
    public void StackLoader_ImplementsIStackReader()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("stack.yaml", "x-tidegate:\n  product: p\n  version: 1.0.0\nservices:\n  web:\n    image: nginx\n");
        IStackReader reader = new StackLoader();

        var result = reader.Read(file, dir.Path, CancellationToken.None);

        Assert.False(result.HasErrors);
        Assert.Equal("p", result.Metadata!.ProductId);
    }

    [Fact]
    public void StackReader_MissingFile_HasNoMetadataAndAnError()
    {
        var result = new StackLoader().Read("/nonexistent/tidegate/stack.yaml", "/nonexistent/tidegate", CancellationToken.None);

        Assert.True(result.HasErrors);
        Assert.Null(result.Metadata);
    }
}
