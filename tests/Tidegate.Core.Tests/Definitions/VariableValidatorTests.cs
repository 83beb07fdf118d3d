using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Variables;

namespace Tidegate.Core.Tests.Definitions;

public sealed class VariableValidatorTests
{
    [Theory]
    [InlineData("String", "anything", null)]
    [InlineData("Number", "42", null)]
    [InlineData("Number", "-3.5", null)]
    [InlineData("Number", "abc", "expected a number, got 'abc'")]
    [InlineData("Boolean", "true", null)]
    [InlineData("Boolean", "FALSE", null)]
    [InlineData("Boolean", "yes", "expected true or false, got 'yes'")]
    [InlineData("Port", "8080", null)]
    [InlineData("Port", "0", "expected a port number 1-65535, got '0'")]
    [InlineData("Port", "65536", "expected a port number 1-65535, got '65536'")]
    [InlineData("Port", "http", "expected a port number 1-65535, got 'http'")]
    [InlineData("Url", "https://example.com/x", null)]
    [InlineData("Url", "amqp://rabbit:5672", null)]
    [InlineData("Url", "example.com", "expected an absolute URL")]
    [InlineData("Url", "/var/data", "expected an absolute URL")]
    [InlineData("Url", "http://", "expected an absolute URL")]
    [InlineData("Email", "ops@example.com", null)]
    [InlineData("Email", "ops@localhost", "expected an e-mail address")]
    [InlineData("Email", "not an email", "expected an e-mail address")]
    [InlineData("Email", "a@b@c.com", "expected an e-mail address")]
    [InlineData("Secret", "s3cr3t", null)]
    [InlineData("Multiline", "a\nb", null)]
    [InlineData("Path", "/data", null)]
    [InlineData("ConnectionString", "Server=db;Database=x", null)]
    public void Check_TypeRules(string type, string value, string? error)
    {
        var d = new VariableDefinition { Name = "V", Type = Enum.Parse<VariableType>(type) };

        var result = VariableValidator.Check(d, value);

        if (error is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.Contains(error, result, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Number", "5", "1", "10", null)]
    [InlineData("Number", "0", "1", "10", "expected a number >= 1, got 0")]
    [InlineData("Number", "11", "1", "10", "expected a number <= 10, got 11")]
    [InlineData("String", "abc", "2", "5", null)]
    [InlineData("String", "a", "2", "5", "expected at least 2 characters, got 1")]
    [InlineData("String", "abcdef", "2", "5", "expected at most 5 characters, got 6")]
    [InlineData("Secret", "short", "8", null, "expected at least 8 characters, got 5")]
    [InlineData("Port", "80", "1024", null, "expected a port between 1024 and 65535, got 80")]
    public void Check_MinAndMax(string type, string value, string? min, string? max, string? error)
    {
        var d = new VariableDefinition
        {
            Name = "V",
            Type = Enum.Parse<VariableType>(type),
            Min = min is null ? null : decimal.Parse(min, System.Globalization.CultureInfo.InvariantCulture),
            Max = max is null ? null : decimal.Parse(max, System.Globalization.CultureInfo.InvariantCulture),
        };

        Assert.Equal(error, VariableValidator.Check(d, value));
    }

    [Theory]
    [InlineData("abc-123", null)]
    [InlineData("ABC", "lowercase letters, digits and dashes only")]
    [InlineData("abc 123", "lowercase letters, digits and dashes only")]
    public void Check_Pattern_UsesTheVariablesMessage(string value, string? error)
    {
        var d = new VariableDefinition { Name = "V", Pattern = "[a-z0-9-]+", PatternMessage = "lowercase letters, digits and dashes only" };

        Assert.Equal(error, VariableValidator.Check(d, value));
    }

    [Fact]
    public void Check_PatternWithoutMessage_NamesThePattern()
        => Assert.Equal("expected a value matching ^x$", VariableValidator.Check(new VariableDefinition { Name = "V", Pattern = "^x$" }, "y"));

    [Theory]
    [InlineData("info", null)]
    [InlineData("trace", "expected one of debug, info, got 'trace'")]
    public void Check_SelectOptions(string value, string? error)
    {
        var d = new VariableDefinition { Name = "V", Type = VariableType.Select, Options = [new("debug", null), new("info", "Info")] };

        Assert.Equal(error, VariableValidator.Check(d, value));
    }

    [Fact]
    public void Validate_ReportsEveryVariable_WithLabels()
    {
        VariableDefinition[] definitions =
        [
            new() { Name = "A", Required = true, Label = "Admin e-mail", Type = VariableType.Email },
            new() { Name = "B", Type = VariableType.Port },
            new() { Name = "C", Required = true, Default = "ok" },
            new() { Name = "D" },
        ];

        var errors = VariableValidator.Validate(definitions, new Dictionary<string, string> { ["B"] = "x" });

        Assert.Equal(["A: Admin e-mail (A) is required", "B: B: expected a port number 1-65535, got 'x'"], errors.Select(e => $"{e.Name}: {e.Message}"));
    }

    [Fact]
    public void Validate_EmptyValueForRequired_IsMissing()
    {
        var errors = VariableValidator.Validate([new VariableDefinition { Name = "A", Required = true, Default = "x" }], new Dictionary<string, string> { ["A"] = "" });

        Assert.Single(errors);
    }

    [Fact]
    public void VariableValues_HigherLayersWin()
    {
        VariableDefinition[] definitions =
        [
            new() { Name = "A", Default = "default-a" },
            new() { Name = "B", Default = "default-b" },
            new() { Name = "C", Default = "default-c" },
            new() { Name = "D", Default = "discovered", Declared = false },
        ];
        var values = new VariableValues
        {
            Environment = new Dictionary<string, string> { ["B"] = "env-b", ["C"] = "env-c", ["E"] = "env-e" },
            Deployment = new Dictionary<string, string> { ["C"] = "" },
        };

        var merged = values.Merge(definitions);

        Assert.Equal("A=default-a;B=env-b;C=;E=env-e", string.Join(";", merged.Select(kv => $"{kv.Key}={kv.Value}")));
    }
}
