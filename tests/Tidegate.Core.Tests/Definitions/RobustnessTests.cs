using System.Globalization;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Variables;

namespace Tidegate.Core.Tests.Definitions;

public sealed class RobustnessTests
{
    [Fact]
    public async Task NestedAliases_BillionLaughs_StopWithAnErrorInsteadOfExpanding()
    {
        var yaml = new System.Text.StringBuilder("x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 1; level <= 8; level++)
        {
            var aliases = string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 10));
            yaml.Append(CultureInfo.InvariantCulture, $"x-a{level}: &a{level} [{aliases}]\n");
        }

        yaml.Append("services:\n  web:\n    image: x\n    labels: *a8\n");

        // Unbounded expansion would run for minutes and eat gigabytes; a bounded one returns at once.
        var template = await Task.Run(() => StackLoader.LoadText(yaml.ToString(), "laughs.yaml")).WaitAsync(TimeSpan.FromSeconds(30));

        var error = Assert.Single(template.Diagnostics.Errors());
        Assert.Contains("more than 100000 nodes", error.Message, StringComparison.Ordinal);
        Assert.Equal("laughs.yaml", error.File);
        Assert.StartsWith("x-a", error.Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("webshop.yaml", 1)]
    [InlineData("plain.yaml", 2)]
    [InlineData("workers.yaml", 3)]
    public void MutatedStacks_NeverThrow(string stack, int seed)
    {
        var original = File.ReadAllText(TestFiles.Stack(stack));
        var random = new Random(seed);
        const string alphabet = " :-[]{}\"'$#&*!|>\n\t{}x0";
        for (var i = 0; i < 300; i++)
        {
            var chars = original.ToCharArray().ToList();
            for (var m = 0; m < 1 + random.Next(4); m++)
            {
                var at = random.Next(chars.Count);
                if (random.Next(2) == 0)
                {
                    chars.RemoveAt(at);
                }
                else
                {
                    chars.Insert(at, alphabet[random.Next(alphabet.Length)]);
                }
            }

            var text = new string([.. chars]);
            var template = StackLoader.LoadText(text, "mutated.yaml");
            var resolved = StackResolver.Resolve(template, VariableValues.FromDeployment(new Dictionary<string, string> { ["DB_PASSWORD"] = "pw" }));

            Assert.DoesNotContain(template.Diagnostics, d => d.Message.StartsWith("the file could not be processed", StringComparison.Ordinal));
            Assert.DoesNotContain(resolved.Diagnostics, d => d.Message.StartsWith("the stack could not be resolved", StringComparison.Ordinal));
            if (!resolved.HasErrors)
            {
                _ = resolved.Render();
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("---")]
    [InlineData("null")]
    [InlineData("42")]
    [InlineData("services:")]
    [InlineData("services: ~")]
    [InlineData("services:\n  web:")]
    [InlineData("services:\n  web: ~")]
    [InlineData("a: &a [*a]")]
    [InlineData("services:\n  web:\n    image: x\n---\nother: doc")]
    [InlineData("? [complex]\n: key")]
    [InlineData("services:\n  web:\n    image: x\n    ports: [99999999999999999999999]")]
    [InlineData("services:\n  web:\n    image: x\n    shm_size: 99999999999999999999999999999999999g")]
    [InlineData("services:\n  web:\n    image: x\n    stop_grace_period: 99999999999999999999h")]
    [InlineData("x-tidegate: [1]\nservices: {}")]
    [InlineData("x-tidegate:\n  variables:\n    A:\n      pattern: \"(a+)+$\"\n      default: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")]
    public void OddDocuments_GiveDiagnosticsNotExceptions(string text)
    {
        var template = StackLoader.LoadText(text, "odd.yaml");
        var resolved = StackResolver.Resolve(template);

        Assert.DoesNotContain(template.Diagnostics, d => d.Message.StartsWith("the file could not be processed", StringComparison.Ordinal));
        Assert.NotNull(resolved);
    }
}
