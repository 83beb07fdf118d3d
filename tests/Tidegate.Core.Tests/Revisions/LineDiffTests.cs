using Tidegate.Core.Revisions;

namespace Tidegate.Core.Tests.Revisions;

public sealed class LineDiffTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("a", "")]
    [InlineData("", "a")]
    [InlineData("a b c", "a b c")]
    [InlineData("a b c", "a x c")]
    [InlineData("a b c a b b a", "c b a b a c")]
    [InlineData("x a b c", "a b c y")]
    [InlineData("a a a a", "a a")]
    [InlineData("a b", "b a")]
    public void Compute_ReconstructsBothSides_WithAShortestEditScript(string oldWords, string newWords)
    {
        var a = Words(oldWords);
        var b = Words(newWords);

        var script = LineDiff.Compute(a, b);

        AssertValidShortest(a, b, script);
    }

    [Fact]
    public void Compute_OnRandomInputs_IsAlwaysAShortestEditScript()
    {
        var random = new Random(1234);
        for (var run = 0; run < 300; run++)
        {
            var a = Enumerable.Range(0, random.Next(0, 25)).Select(_ => ((char)('a' + random.Next(0, 4))).ToString()).ToList();
            var b = Enumerable.Range(0, random.Next(0, 25)).Select(_ => ((char)('a' + random.Next(0, 4))).ToString()).ToList();

            AssertValidShortest(a, b, LineDiff.Compute(a, b));
        }
    }

    [Fact]
    public void Compute_OnALongFileWithAFewChanges_IsStillShortest()
    {
        var a = Enumerable.Range(0, 3000).Select(i => "line " + i).ToList();
        var b = a.Where(l => !l.EndsWith('7') || l.Length % 2 == 0).Select(l => l.EndsWith("00", StringComparison.Ordinal) ? l + " changed" : l).ToList();

        AssertValidShortest(a, b, LineDiff.Compute(a, b));
    }

    [Fact]
    public void Compute_WhenTheTextsShareNothingAndExceedTheEditBound_ReplacesEverything()
    {
        var a = Enumerable.Range(0, LineDiff.MaxEdits).Select(i => "old " + i).ToList();
        var b = Enumerable.Range(0, LineDiff.MaxEdits).Select(i => "new " + i).ToList();

        var script = LineDiff.Compute(a, b);

        Assert.Equal(a, script.TakeWhile(l => l.Kind == DiffKind.Deleted).Select(l => l.Text));
        Assert.Equal(b, script.SkipWhile(l => l.Kind == DiffKind.Deleted).Select(l => l.Text));
        Assert.All(script.Skip(a.Count), l => Assert.Equal(DiffKind.Inserted, l.Kind));
    }

    [Fact]
    public void Unified_RendersHunksWithContextAndHeaders_LikeDiffU()
    {
        var old = string.Join("\n", Enumerable.Range(1, 12).Select(i => "line " + i)) + "\n";
        var @new = old.Replace("line 2\n", "line two\n", StringComparison.Ordinal).Replace("line 11\n", "", StringComparison.Ordinal) + "line 13\n";

        var diff = LineDiff.Unified(old, @new, "revision 1 (1.0.0)", "revision 2 (2.0.0)");

        Assert.Equal("""
            --- revision 1 (1.0.0)
            +++ revision 2 (2.0.0)
            @@ -1,5 +1,5 @@
             line 1
            -line 2
            +line two
             line 3
             line 4
             line 5
            @@ -8,5 +8,5 @@
             line 8
             line 9
             line 10
            -line 11
             line 12
            +line 13

            """.Replace("\r\n", "\n", StringComparison.Ordinal), diff);
    }

    [Fact]
    public void Unified_MergesChangesCloserThanTwiceTheContext_IntoOneHunk()
    {
        var diff = LineDiff.Unified("a\nb\nc\nd\ne\nf\n", "A\nb\nc\nd\ne\nF\n", "old", "new");

        Assert.Single(diff.Split('\n'), l => l.StartsWith("@@", StringComparison.Ordinal));
        Assert.Contains("@@ -1,6 +1,6 @@", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void Unified_OfEqualTexts_IsEmpty()
        => Assert.Equal(string.Empty, LineDiff.Unified("a\r\nb\n", "a\nb", "old", "new"));

    [Fact]
    public void Unified_FromNothing_UsesAZeroLengthOldRange()
        => Assert.StartsWith("--- old\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n", LineDiff.Unified("", "a\nb\n", "old", "new"), StringComparison.Ordinal);

    [Theory]
    [InlineData("", 0)]
    [InlineData("a", 1)]
    [InlineData("a\n", 1)]
    [InlineData("a\r\nb", 2)]
    [InlineData("a\n\n", 2)]
    public void SplitLines_CountsLinesNotTerminators(string text, int expected)
        => Assert.Equal(expected, LineDiff.SplitLines(text).Count);

    private static List<string> Words(string text) => [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries)];

    private static void AssertValidShortest(IReadOnlyList<string> a, IReadOnlyList<string> b, IReadOnlyList<DiffLine> script)
    {
        Assert.Equal(a, script.Where(l => l.Kind != DiffKind.Inserted).Select(l => l.Text));
        Assert.Equal(b, script.Where(l => l.Kind != DiffKind.Deleted).Select(l => l.Text));
        Assert.Equal(Enumerable.Range(0, a.Count), script.Where(l => l.Kind != DiffKind.Inserted).Select(l => l.OldIndex));
        Assert.Equal(Enumerable.Range(0, b.Count), script.Where(l => l.Kind != DiffKind.Deleted).Select(l => l.NewIndex));
        // Shortest: as many kept lines as the longest common subsequence.
        Assert.Equal(Lcs(a, b), script.Count(l => l.Kind == DiffKind.Equal));
    }

    private static int Lcs(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var t = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
        {
            for (var j = b.Count - 1; j >= 0; j--)
            {
                t[i, j] = a[i] == b[j] ? t[i + 1, j + 1] + 1 : Math.Max(t[i + 1, j], t[i, j + 1]);
            }
        }
        return t[0, 0];
    }
}
