using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Interpolation;

namespace Tidegate.Core.Tests.Definitions;

public sealed class InterpolationTests
{
    // SET=value, EMPTY="", UNSET is not defined, B=bee, NUM=42
    private static string? Lookup(string name) => name switch
    {
        "SET" => "value",
        "EMPTY" => "",
        "B" => "bee",
        "NUM" => "42",
        "lower_name" => "lower",
        _ => null,
    };

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("$SET", "value")]
    [InlineData("${SET}", "value")]
    [InlineData("pre-$SET-post", "pre-value-post")]
    [InlineData("pre-${SET}post", "pre-valuepost")]
    [InlineData("$SET$B", "valuebee")]
    [InlineData("${SET}${B}", "valuebee")]
    [InlineData("$lower_name", "lower")]
    [InlineData("${UNSET:-default}", "default")]
    [InlineData("${EMPTY:-default}", "default")]
    [InlineData("${SET:-default}", "value")]
    [InlineData("${UNSET-default}", "default")]
    [InlineData("${EMPTY-default}", "")]
    [InlineData("${SET-default}", "value")]
    [InlineData("${UNSET:-}", "")]
    [InlineData("${SET:+alt}", "alt")]
    [InlineData("${EMPTY:+alt}", "")]
    [InlineData("${UNSET:+alt}", "")]
    [InlineData("${SET+alt}", "alt")]
    [InlineData("${EMPTY+alt}", "alt")]
    [InlineData("${UNSET+alt}", "")]
    [InlineData("${SET:?must be set}", "value")]
    [InlineData("${SET?must be set}", "value")]
    [InlineData("${EMPTY?must be set}", "")]
    [InlineData("${UNSET:-${B}}", "bee")]
    [InlineData("${UNSET:-${UNSET2:-x}}", "x")]
    [InlineData("${UNSET:-$B}", "bee")]
    [InlineData("${UNSET:-a${B}c}", "abeec")]
    [InlineData("${SET:+[${B}]}", "[bee]")]
    [InlineData("$$", "$")]
    [InlineData("$$SET", "$SET")]
    [InlineData("$${SET}", "${SET}")]
    [InlineData("price: 5$", "price: 5$")]
    [InlineData("$1", "$1")]
    [InlineData("a $ b", "a $ b")]
    [InlineData("${UNSET:-default with spaces}", "default with spaces")]
    [InlineData("${UNSET:-http://host:8080/path}", "http://host:8080/path")]
    [InlineData("${NUM}0", "420")]
    [InlineData("$NUM.5", "42.5")]
    [InlineData("${UNSET:-$$literal}", "$literal")]
    [InlineData("x${UNSET:-}y", "xy")]
    [InlineData("${UNSET-${EMPTY-nested}}", "")]
    public void Interpolate_ValidTemplates_GiveComposeValues(string template, string expected)
    {
        var result = Interpolator.Interpolate(template, Lookup);

        Assert.False(result.HasErrors, string.Join("; ", result.Issues));
        Assert.Equal(expected, result.Value);
    }

    [Theory]
    [InlineData("${", 0)]
    [InlineData("${VAR", 0)]
    [InlineData("${VAR:x}", 0)]
    [InlineData("${VAR:}", 0)]
    [InlineData("${}", 0)]
    [InlineData("${1VAR}", 0)]
    [InlineData("${VAR.name}", 0)]
    [InlineData("${VAR/foo/bar}", 0)]
    [InlineData("${VAR:-default", 0)]
    [InlineData("${VAR:-${B}", 0)]
    [InlineData("abc ${bad!name}", 4)]
    [InlineData("${VAR:-${B:x}}", 7)]
    [InlineData("ok ${A} then ${", 13)]
    [InlineData("${ VAR}", 0)]
    [InlineData("${VAR }", 0)]
    public void Interpolate_MalformedTemplates_ReportAnErrorAtTheDollar(string template, int offset)
    {
        var result = Interpolator.Interpolate(template, Lookup);

        var error = Assert.Single(result.Issues, i => i.Severity == DiagnosticSeverity.Error);
        Assert.Equal(offset, error.Offset);
        Assert.Contains("invalid interpolation format", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("${UNSET:?please set UNSET}", "please set UNSET")]
    [InlineData("${EMPTY:?empty is not enough}", "empty is not enough")]
    [InlineData("${UNSET?needed}", "needed")]
    [InlineData("${UNSET?needed by $B}", "needed by bee")]
    public void Interpolate_RequiredVariableMissing_CarriesTheUsersMessage(string template, string message)
    {
        var result = Interpolator.Interpolate(template, Lookup);

        var error = Assert.Single(result.Issues, i => i.Severity == DiagnosticSeverity.Error);
        Assert.EndsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("required variable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Interpolate_UnsetWithoutDefault_WarnsAndSubstitutesEmpty()
    {
        var result = Interpolator.Interpolate("a${UNSET}b", Lookup);

        Assert.Equal("ab", result.Value);
        var warning = Assert.Single(result.Issues);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
    }

    [Fact]
    public void Interpolate_Lenient_MarksMissingValuesUnresolvedInsteadOfFailing()
    {
        var result = Interpolator.Interpolate("${UNSET:?msg}", Lookup, InterpolationMode.Lenient);

        Assert.Empty(result.Issues);
        Assert.True(result.Unresolved);
    }

    [Fact]
    public void Loader_MalformedTemplate_IsReportedAtItsLineAndColumn()
    {
        const string yaml = "services:\n  web:\n    image: \"nginx:${TAG\"\n";

        var template = StackLoader.LoadText(yaml, "c.yaml");

        var error = Assert.Single(template.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal((3, 19), (error.Line, error.Column));
        Assert.Equal("services.web.image", error.Path);
    }

    [Fact]
    public void Loader_InterpolatesValuesButNotKeys()
    {
        const string yaml = """
            services:
              web:
                image: nginx
                labels:
                  "$KEY": "$VAL"
            """;
        var template = StackLoader.LoadText(yaml);
        var resolved = StackResolver.Resolve(template, Tidegate.Core.Definitions.Variables.VariableValues.FromDeployment(new Dictionary<string, string> { ["KEY"] = "k", ["VAL"] = "v" }));

        Assert.Equal("v", resolved.Project!.Service("web")!.Labels["$KEY"]);
        Assert.DoesNotContain(template.Variables, v => v.Name == "KEY");
    }

    [Theory]
    [InlineData("image: ${IMG}", "IMG", true, null)]
    [InlineData("image: ${IMG:-nginx}", "IMG", false, "nginx")]
    [InlineData("image: ${IMG-nginx}", "IMG", false, "nginx")]
    [InlineData("image: ${IMG:?give an image}", "IMG", true, null)]
    [InlineData("image: ${IMG?give an image}", "IMG", true, null)]
    [InlineData("image: nginx${SUFFIX:+-alt}", "SUFFIX", false, null)]
    [InlineData("image: $IMG", "IMG", true, null)]
    [InlineData("image: ${A:-${IMG:-x}}", "IMG", false, "x")]
    public void Discover_FindsReferencesAsUndeclaredVariables(string line, string name, bool required, string? defaultValue)
    {
        var template = StackLoader.LoadText("services:\n  web:\n    " + line + "\n");

        var variable = Assert.Single(template.Variables, v => v.Name == name);
        Assert.False(variable.Declared);
        Assert.Equal(required, variable.Required);
        Assert.Equal(defaultValue, variable.Default);
    }
}
