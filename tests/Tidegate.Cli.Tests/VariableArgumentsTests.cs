using Tidegate.Cli.Client;

namespace Tidegate.Cli.Tests;

/// <summary>--var KEY=VALUE|@FILE|- and --var-file: which value wins, and errors that never quote a value.</summary>
public sealed class VariableArgumentsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tidegate-cli-vars-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("K=plain", "plain")]
    [InlineData("K=", "")]
    [InlineData("K=a=b", "a=b")]
    [InlineData("K=@@at", "@at")]
    [InlineData("K=-", "from stdin")]
    public void Var_Forms(string pair, string expected)
    {
        var values = VariableArguments.Read([], [pair], new StringReader("from stdin\n"));

        Assert.Equal(expected, values["K"]);
    }

    [Theory]
    [InlineData("line\n", "line")]
    [InlineData("line\r\n", "line")]
    [InlineData("line\n\n", "line\n")]
    [InlineData("two\nlines", "two\nlines")]
    [InlineData("", "")]
    public void AtFile_TrimsOneTrailingNewline(string content, string expected)
    {
        var file = Write("value.txt", content);

        Assert.Equal(expected, VariableArguments.Read([], ["K=@" + file], TextReader.Null)["K"]);
    }

    [Fact]
    public void VarFiles_InOrder_ThenVars_LaterWins()
    {
        var first = Write("a.env", "A=1\nB=1\nC=1\n");
        var second = Write("b.env", "export B=2\nC=\"two words\"\n");

        var values = VariableArguments.Read([first, second], ["C=3"], TextReader.Null);

        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "2", ["C"] = "3" }, values);
    }

    [Theory]
    [InlineData("NOEQUALS", "no '='")]
    [InlineData("=secret-value", "'' is not a variable name")]
    [InlineData("K=@", "file name is missing")]
    public void MalformedVar_IsAUsageError_WithoutTheValue(string pair, string expected)
    {
        var ex = Assert.Throws<CliException>(() => VariableArguments.Read([], [pair], TextReader.Null));

        Assert.Equal(ExitCodes.Usage, ex.ExitCode);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StdinTwice_IsAUsageError()
    {
        var ex = Assert.Throws<CliException>(() => VariableArguments.Read([], ["A=-", "B=-"], new StringReader("x")));

        Assert.Contains("already read for A", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidName_IsRefusedWhenTheCommandChecksNames()
    {
        var ex = Assert.Throws<CliException>(() => VariableArguments.Read([], ["1BAD=secret-value"], TextReader.Null, n => char.IsLetter(n[0])));

        Assert.Contains("'1BAD' is not a variable name", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VarFile_BareNameOrBadLine_IsAUsageError_WithPositionsOnly()
    {
        var file = Write("bad.env", "OK=1\nPASTEDSECRET\n");

        var ex = Assert.Throws<CliException>(() => VariableArguments.Read([file], [], TextReader.Null));

        Assert.Contains("1 line(s) are not KEY=VALUE", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PASTEDSECRET", ex.Message + string.Concat(ex.Details), StringComparison.Ordinal);
    }
}
