using Tidegate.Core.Definitions.Interpolation;

namespace Tidegate.Core.Tests.Definitions;

public sealed class DotEnvParserTests
{
    [Theory]
    [InlineData("KEY=value", "KEY", "value")]
    [InlineData("KEY = value", "KEY", "value")]
    [InlineData("export KEY=value", "KEY", "value")]
    [InlineData("KEY=", "KEY", "")]
    [InlineData("KEY=  spaced  ", "KEY", "spaced")]
    [InlineData("KEY='single $NOT ${X}'", "KEY", "single $NOT ${X}")]
    [InlineData("KEY=\"double\"", "KEY", "double")]
    [InlineData("KEY=\"line1\\nline2\"", "KEY", "line1\nline2")]
    [InlineData("KEY=\"tab\\there\"", "KEY", "tab\there")]
    [InlineData("KEY=\"quote \\\" inside\"", "KEY", "quote \" inside")]
    [InlineData("KEY='literal \\n'", "KEY", "literal \\n")]
    [InlineData("KEY=value # comment", "KEY", "value")]
    [InlineData("KEY=value#notacomment", "KEY", "value#notacomment")]
    [InlineData("KEY=\"value # kept\"", "KEY", "value # kept")]
    [InlineData("KEY=a=b=c", "KEY", "a=b=c")]
    [InlineData("# comment\nKEY=v", "KEY", "v")]
    [InlineData("\n\nKEY=v\n\n", "KEY", "v")]
    [InlineData("A=1\nKEY=${A}2", "KEY", "12")]
    [InlineData("A=1\nKEY=\"${A}-x\"", "KEY", "1-x")]
    [InlineData("A=1\nKEY='${A}'", "KEY", "${A}")]
    [InlineData("KEY=\"multi\nline\"", "KEY", "multi\nline")]
    [InlineData("KEY=first\nKEY=second", "KEY", "second")]
    [InlineData("KEY=\"dollar \\$HOME\"", "KEY", "dollar $HOME")]
    [InlineData("KEY=${UNSET:-fallback}", "KEY", "fallback")]
    [InlineData("my.dotted-key=1", "my.dotted-key", "1")]
    [InlineData("KEY=value\r\nOTHER=x", "KEY", "value")]
    public void Parse_ValidLines_GiveDockerComposeValues(string text, string key, string expected)
    {
        var result = DotEnvParser.Parse(text);

        Assert.False(result.HasErrors, string.Join("; ", result.Diagnostics));
        Assert.Equal(expected, result.Values[key]);
    }

    [Theory]
    [InlineData("1KEY=value", 1, 1)]
    [InlineData("OK=1\nnot a line", 2, 1)]
    [InlineData("OK=1\n\nKEY=\"unterminated", 3, 5)]
    [InlineData("KE Y=value", 1, 1)]
    [InlineData("-X=1", 1, 1)]
    public void Parse_MalformedLines_ReportLineAndColumn(string text, int line, int column)
    {
        var result = DotEnvParser.Parse(text, "test.env");

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Equal("test.env", error.File);
    }

    [Fact]
    public void Parse_BareKey_TakesTheOuterValue()
    {
        var result = DotEnvParser.Parse("HOME_DIR", outerLookup: n => n == "HOME_DIR" ? "/home/x" : null);

        Assert.Equal("/home/x", result.Values["HOME_DIR"]);
    }
}
