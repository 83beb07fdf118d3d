using System.Text.Json;
using CsCheck;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Tests.Security;

/// <summary>The secret boundary's one masking function: whatever text an output carries, a secret value of at least
/// <see cref="SecretValues.MinimumLength"/> characters never survives it.</summary>
public sealed class SecretMaskingTests
{
    [Theory]
    [InlineData("password=hunter22", "hunter22", "password=" + Masked.Value)]
    [InlineData("hunter22 and hunter22", "hunter22", Masked.Value + " and " + Masked.Value)]
    [InlineData("no secret here", "hunter22", "no secret here")]
    [InlineData("", "hunter22", "")]
    [InlineData("abc", "abc", "abc")] // below the minimum length: not masked by value
    [InlineData("abcd", "abcd", Masked.Value)]
    [InlineData("xxabcdabcdyy", "abcd", "xx" + Masked.Value + "yy")] // adjacent occurrences become one mask
    [InlineData("a \"q\\uoted\" value", "\"q\\uoted\"", "a " + Masked.Value + " value")]
    public void Mask_ReplacesEveryOccurrence(string text, string secret, string expected)
    {
        Assert.Equal(expected, new SecretValues([secret]).Mask(text));
    }

    [Fact]
    public void Mask_OverlappingSecrets_LeavesNeitherOne()
    {
        var masked = new SecretValues(["abcdef", "defghi"]).Mask("--abcdefghi--");

        Assert.Equal("--" + Masked.Value + "--", masked);
    }

    [Fact]
    public void Mask_FindsTheJsonAndYamlEscapedForms()
    {
        const string secret = "p<a>ss+\"word\\'\u00e9\n2nd-line";
        var values = new SecretValues([secret]);

        var json = JsonSerializer.Serialize(new { value = secret });
        var yaml = "KEY: \"p<a>ss+\\\"word\\\\'\u00e9\\n2nd-line\"";

        Assert.DoesNotContain("ss+", values.Mask(json), StringComparison.Ordinal);
        Assert.DoesNotContain("u002B", values.Mask(json), StringComparison.Ordinal);
        Assert.Equal("KEY: \"" + Masked.Value + "\"", values.Mask(yaml));
    }

    [Fact]
    public void Mask_MultiLineSecret_MasksEachLineWhereAnIndentedBlockSplitsIt()
    {
        var values = new SecretValues(["-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----\n"]);

        var masked = values.Mask("key: |\n  -----BEGIN KEY-----\n  MIIEvQIBADANBgkq\n  -----END KEY-----\n");

        Assert.DoesNotContain("MIIEvQIBADANBgkq", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_DropShortAndMaskOnlyValues()
    {
        var values = new SecretValues(["abc", null, "", Masked.Value, "long-enough"]);

        Assert.Equal(["long-enough"], values.Values);
        Assert.True(new SecretValues(["abc"]).IsEmpty);
    }

    [Fact]
    public void Mask_SecretThatContainsTheMaskCharacter_IsStillRemoved()
    {
        var values = new SecretValues(["\u2022\u2022\u2022\u2022\u2022\u2022x", "yyyy"]);

        var masked = values.Mask("yyyyx");

        Assert.DoesNotContain("\u2022\u2022\u2022\u2022\u2022\u2022x", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void MaskStrings_MasksValuesOnly_AndKeepsTheDocumentReadable()
    {
        var values = new SecretValues(["image"]);
        var node = System.Text.Json.Nodes.JsonNode.Parse("""{"image":"registry/image:1","list":["image",1,{"image":true}],"n":2}""");

        var masked = values.MaskStrings(node)!.ToJsonString();

        var read = JsonDocument.Parse(masked).RootElement;
        Assert.Equal("registry/" + Masked.Value + ":1", read.GetProperty("image").GetString());
        Assert.Equal(Masked.Value, read.GetProperty("list")[0].GetString());
        Assert.Equal(1, read.GetProperty("list")[1].GetInt32());
        Assert.True(read.GetProperty("list")[2].GetProperty("image").GetBoolean());
        Assert.Equal(2, read.GetProperty("n").GetInt32());
        Assert.Equal(Masked.Value, values.MaskStrings(System.Text.Json.Nodes.JsonValue.Create("image"))!.GetValue<string>());
    }

    // Small alphabets make secrets overlap, nest and repeat inside the text, which is where a replace-one-by-one
    // masker leaks (a shorter secret replaced first splits a longer one).
    private static readonly Gen<string> Fragment = Gen.Char["abcd \u2022\n\"\\+"].Array[0, 12].Select(c => new string(c));

    private static readonly Gen<(string[] Secrets, string Text)> TextWithSecrets =
        Gen.Select(Fragment.Array[1, 5], Fragment.Array[0, 8], Gen.Int[0, 1000]).Select((secrets, fragments, seed) =>
        {
            var random = new Random(seed);
            var parts = fragments.SelectMany(f => new[] { f, secrets[random.Next(secrets.Length)] }).ToList();
            return (secrets, string.Concat(parts));
        });

    [Fact]
    public void Property_NoSecretOfMinimumLength_SurvivesMasking()
    {
        TextWithSecrets.Sample(t =>
        {
            var masked = new SecretValues(t.Secrets).Mask(t.Text);
            foreach (var secret in t.Secrets.Where(s => s.Length >= SecretValues.MinimumLength && s.Any(c => c != '\u2022')))
            {
                Assert.DoesNotContain(secret, masked, StringComparison.Ordinal);
            }
        }, iter: 2000);
    }

    [Fact]
    public void Property_NoSecret_SurvivesInItsJsonForm()
    {
        TextWithSecrets.Sample(t =>
        {
            var values = new SecretValues(t.Secrets);
            var masked = values.Mask(JsonSerializer.Serialize(new { message = t.Text }));
            foreach (var secret in values.Values)
            {
                Assert.DoesNotContain(JsonSerializer.Serialize(secret)[1..^1], masked, StringComparison.Ordinal);
            }
        }, iter: 1000);
    }

    [Fact]
    public void Property_TextWithoutSecrets_IsUnchanged()
    {
        Gen.Select(Gen.String.AlphaNumeric, Gen.Char["\u2022"].Array[4, 8]).Sample((text, bullets) =>
        {
            var secret = new string(bullets) + "!";
            Assert.Equal(text, new SecretValues([secret]).Mask(text));
        }, iter: 500);
    }
}
