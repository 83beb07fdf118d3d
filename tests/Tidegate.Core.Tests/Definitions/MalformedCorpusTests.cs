using System.Globalization;
using Tidegate.Core.Definitions;

namespace Tidegate.Core.Tests.Definitions;

/// <summary>Each file under Malformed/ lists the errors it must produce in header lines
/// <c># expect: LINE:COLUMN PATH</c>. Loading must report every one of them (all at once) and never throw.</summary>
public sealed class MalformedCorpusTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(TestFiles.Malformed, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void MalformedFile_ReportsEveryExpectedErrorAtItsPosition(string name)
    {
        var path = Path.Combine(TestFiles.Malformed, name);
        var expected = File.ReadLines(path)
            .Where(l => l.StartsWith("# expect:", StringComparison.Ordinal))
            .Select(l => l["# expect:".Length..].Trim())
            .Select(l =>
            {
                var space = l.IndexOf(' ', StringComparison.Ordinal);
                var position = space < 0 ? l : l[..space];
                var parts = position.Split(':');
                return (Line: int.Parse(parts[0], CultureInfo.InvariantCulture), Column: int.Parse(parts[1], CultureInfo.InvariantCulture), Path: space < 0 ? "" : l[(space + 1)..]);
            })
            .ToList();
        Assert.NotEmpty(expected);

        var template = StackLoader.LoadFile(path);

        var errors = template.Diagnostics.Errors().ToList();
        var actual = string.Join("\n", errors.Select(e => $"{e.Line}:{e.Column} {e.Path} — {e.Message}"));
        Assert.True(template.HasErrors);
        foreach (var (line, column, keyPath) in expected)
        {
            Assert.True(errors.Any(e => e.Line == line && e.Column == column && e.Path == keyPath && e.Message.Length > 0),
                $"expected an error at {line}:{column} '{keyPath}', got:\n{actual}");
        }

        Assert.All(errors, e => Assert.Equal(path, e.File));
        Assert.Equal(expected.Count, errors.Count);
    }
}
