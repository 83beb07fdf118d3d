using Tidegate.Cli.Commands;

namespace Tidegate.Cli.Tests;

public sealed class DeploymentCommandTests
{
    [Theory]
    [InlineData("demo:web:app", "demo:web:app", null)]
    [InlineData("demo:web:app@1.2.0", "demo:web:app", "1.2.0")]
    [InlineData("demo:web:app@2.0.0-rc.1", "demo:web:app", "2.0.0-rc.1")]
    [InlineData("demo:web:app@", "demo:web:app", "")]
    [InlineData("@1.0.0", "@1.0.0", null)]
    public void SplitVersion_SeparatesTheStackIdFromAnOptionalVersion(string text, string stackId, string? version)
        => Assert.Equal((stackId, version), DeploymentCommands.SplitVersion(text));

    [Theory]
    [InlineData("deploy", "local", "demo:web:app")]
    [InlineData("deploy", "local", "demo:web:app", "--name", "x", "--var", "NOEQUALS")]
    public async Task Deploy_WithoutANameOrWithAMalformedVar_IsAUsageError(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var home = Directory.CreateTempSubdirectory("tidegate-cli-").FullName;
        try
        {
            var code = await CliApp.RunAsync(args, new Client.CliIO(new StringReader(""), output, error, n => n == "HOME" ? home : null, Interactive: false));

            Assert.Equal(Client.ExitCodes.Usage, code);
            Assert.StartsWith("error:", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
