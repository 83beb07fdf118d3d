using CsCheck;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Interpolation;

namespace Tidegate.Core.Tests.Definitions;

/// <summary>Properties of the stack-file parsers over generated input. Each property is bounded by its iteration count
/// so the suite stays fast; a failure prints the shrunk input and the seed to replay it.</summary>
public sealed class ParserPropertyTests : IDisposable
{
    private const int Iterations = 300;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Pieces of Compose-shaped YAML, joined at random: mostly almost-valid files, with every construct that
    /// has its own error path (aliases, merge keys, tags, interpolation, include, extends, durations, ports).</summary>
    private static readonly Gen<string> YamlIsh = Gen.OneOf(
            "services:", "\n  web:", "\n    image: nginx", "\n", ":", " ", "  ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "<<: ",
            "\"", "'", "${A", "${A:-x}", "${B:?no}", "}", "$$", "$", "\t", "include:", "\n  - other.yaml", "extends:", " service: web",
            " file: ../x.yaml", "x-tidegate:", "\n  variables:", "\n    A: {type: number, min: 1}", "ports:", " \"8080:80\"", "1:2/udp",
            "healthcheck:", " interval: ", "99999999999h", "1m30s", "#", "!reset ", "!override ", "~", "null", "|", ">", "env_file: a.env",
            "secrets:", " file: ./s", "volumes:", " ./data:/data", "deploy:", " replicas: 99999999999", "cpus: 1e30", "\u00e9", "\0", "?")
        .Array[0, 60].Select(string.Concat);

    [Fact]
    public void StackLoader_OnRandomYamlIshText_OnlyEverAnswersWithDiagnostics()
    {
        var file = Path.Combine(_dir.Path, "compose.yaml");
        YamlIsh.Sample(text =>
        {
            var template = StackLoader.LoadText(text, file);
            var resolved = StackResolver.Resolve(template, VariableValuesFor("A", "B"));

            Assert.DoesNotContain(template.Diagnostics, d => d.Message.StartsWith("the file could not be processed", StringComparison.Ordinal));
            Assert.DoesNotContain(resolved.Diagnostics, d => d.Message.StartsWith("the stack could not be resolved", StringComparison.Ordinal));
            if (!resolved.HasErrors)
            {
                _ = resolved.Render();
            }
        }, iter: Iterations);
    }

    [Fact]
    public void StackLoader_OnArbitraryCharacters_OnlyEverAnswersWithDiagnostics()
    {
        var file = Path.Combine(_dir.Path, "compose.yaml");
        Gen.Char.Array[0, 200].Select(chars => new string(chars)).Sample(text =>
        {
            var template = StackLoader.LoadText(text, file);

            Assert.DoesNotContain(template.Diagnostics, d => d.Message.StartsWith("the file could not be processed", StringComparison.Ordinal));
            _ = StackResolver.Resolve(template);
        }, iter: Iterations);
    }

    private static readonly Gen<string> EnvKey = Gen.Select(Gen.Char["ABCXYZ_abc"], Gen.Char["ABC_xyz019.-"].Array[0, 8], (first, rest) => first + new string(rest));

    private static readonly Gen<string> EnvValue = Gen.Char["abc XYZ019 #=$\"\\\t\n{}:-?+*"].Array[0, 20].Select(chars => new string(chars));

    [Fact]
    public void DotEnv_SingleQuotedValues_RoundTrip()
    {
        Gen.Select(EnvKey, EnvValue).Array[0, 8].Sample(pairs =>
        {
            var text = string.Concat(pairs.Select(p => $"{p.Item1}='{p.Item2}'\n"));

            var result = DotEnvParser.Parse(text, "test.env");

            Assert.Empty(result.Diagnostics);
            var expected = pairs.GroupBy(p => p.Item1, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Item2, StringComparer.Ordinal);
            Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), result.Values.OrderBy(e => e.Key, StringComparer.Ordinal));
        }, iter: Iterations);
    }

    /// <summary>Every message the parser has: none of them carries text of the file.</summary>
    private static readonly string[] FixedMessages = ["expected KEY=VALUE (the line is not shown)", "expected a variable name", "unterminated quoted value: missing closing"];

    [Fact]
    public void DotEnv_OnArbitraryText_NeverThrows_AndNeverQuotesTheText()
    {
        Gen.Char["aZ_1 =#'\"\\$\n\t{}xport-."].Array[0, 80].Select(chars => new string(chars)).Sample(text =>
        {
            var result = DotEnvParser.Parse(text, "test.env", name => name == "OUTER" ? "outer" : null);

            Assert.All(result.Diagnostics, d =>
            {
                Assert.Equal("test.env", d.File);
                Assert.InRange(d.Line, 1, text.Count(c => c == '\n') + 1);
                Assert.Contains(FixedMessages, m => d.Message.StartsWith(m, StringComparison.Ordinal));
            });
        }, iter: Iterations);
    }

    [Fact]
    public void Interpolation_OnArbitraryText_NeverThrows()
    {
        Gen.Char["$${}:-?+AB_x1 \n"].Array[0, 40].Select(chars => new string(chars)).Sample(text =>
        {
            foreach (var mode in new[] { InterpolationMode.Strict, InterpolationMode.Lenient })
            {
                var result = Interpolator.Interpolate(text, name => name == "A" ? "a-value" : null, mode);
                Assert.NotNull(result.Value);
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Interpolation_LeavesTextWithoutDollarUnchanged()
    {
        Gen.String.Where(s => !s.Contains('$', StringComparison.Ordinal)).Sample(text =>
        {
            var result = Interpolator.Interpolate(text, _ => "unexpected", InterpolationMode.Strict);

            Assert.Equal(text, result.Value);
            Assert.Empty(result.Issues);
            Assert.False(result.Unresolved);
        }, iter: Iterations);
    }

    [Fact]
    public void Interpolation_GivesAnEscapedValueBackUnchanged()
    {
        Gen.String.Sample(text =>
        {
            var result = Interpolator.Interpolate(Interpolator.Escape(text), _ => "unexpected", InterpolationMode.Strict);

            Assert.Equal(text, result.Value);
            Assert.Empty(result.Issues);
        }, iter: Iterations);
    }

    [Fact]
    public void Duration_ParsesWhatItRenders_OverTheWholeComposeRange()
    {
        Gen.Long[0, ValueParsers.MaxComposeDuration.Ticks].Select(TimeSpan.FromTicks).Sample(value =>
        {
            var text = ValueParsers.FormatDuration(value);

            var parsed = ValueParsers.ParseDuration(text, out var error);

            Assert.Null(error);
            Assert.Equal(value, parsed);
        }, iter: Iterations);
    }

    [Fact]
    public void Duration_BeyondTheComposeRange_IsAnError_NotAnOverflow()
    {
        Gen.Select(Gen.Long[2_562_048, long.MaxValue], Gen.OneOf("h", "m", "s", "ms", "us", "ns")).Sample((n, unit) =>
        {
            var text = n.ToString(System.Globalization.CultureInfo.InvariantCulture) + unit;
            var tooLarge = unit switch
            {
                "h" => true,
                "m" => n > 153_722_867,
                "s" => n > 9_223_372_036,
                "ms" => n > 9_223_372_036_854,
                "us" => n > 9_223_372_036_854_775,
                _ => false,
            };

            var parsed = ValueParsers.ParseDuration(text, out var error);

            if (tooLarge)
            {
                Assert.Null(parsed);
                Assert.Contains("too large", error, StringComparison.Ordinal);
            }
            else
            {
                Assert.Null(error);
                Assert.True(parsed >= TimeSpan.Zero && parsed <= ValueParsers.MaxComposeDuration);
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Duration_InAStack_IsBoundedByTheStackLimit_WithADiagnostic()
    {
        Gen.Long[0, 10_000_000].Sample(minutes =>
        {
            var text = minutes.ToString(System.Globalization.CultureInfo.InvariantCulture) + "m";
            var (service, diagnostics) = ServiceFixture.Load("stop_grace_period: " + text);

            if (TimeSpan.FromMinutes(minutes) <= ParseContext.MaxDuration)
            {
                Assert.Empty(diagnostics.Errors());
                Assert.Equal(TimeSpan.FromMinutes(minutes), service!.StopGracePeriod);
            }
            else
            {
                var error = Assert.Single(diagnostics.Errors());
                Assert.Equal("services.web.stop_grace_period", error.Path);
                Assert.Null(service!.StopGracePeriod);
            }
        }, iter: Iterations);
    }

    private static Tidegate.Core.Definitions.Variables.VariableValues VariableValuesFor(params string[] names)
        => Tidegate.Core.Definitions.Variables.VariableValues.FromDeployment(names.ToDictionary(n => n, n => n.ToLowerInvariant(), StringComparer.Ordinal));
}
