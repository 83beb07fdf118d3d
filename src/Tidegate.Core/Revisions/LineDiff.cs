using System.Globalization;
using System.Text;

namespace Tidegate.Core.Revisions;

internal enum DiffKind
{
    Equal,
    Deleted,
    Inserted,
}

/// <summary>One line of an edit script: <see cref="OldIndex"/>/<see cref="NewIndex"/> are 0-based, -1 where the line does not exist on that side.</summary>
internal readonly record struct DiffLine(DiffKind Kind, string Text, int OldIndex, int NewIndex);

/// <summary>A line diff (Myers' O((N+M)·D) greedy algorithm, shortest edit script) and its unified-diff rendering.</summary>
internal static class LineDiff
{
    /// <summary>Beyond this many inserted plus deleted lines the diff stops searching for the shortest script.</summary>
    public const int MaxEdits = 2000;

    /// <summary>The edit script turning <paramref name="oldLines"/> into <paramref name="newLines"/>, in order;
    /// within a change, deletions come before insertions (as in <c>diff -u</c>).</summary>
    public static IReadOnlyList<DiffLine> Compute(IReadOnlyList<string> oldLines, IReadOnlyList<string> newLines)
    {
        ArgumentNullException.ThrowIfNull(oldLines);
        ArgumentNullException.ThrowIfNull(newLines);

        // Common prefix and suffix cost nothing to find and keep the search small for typical edits.
        var prefix = 0;
        while (prefix < oldLines.Count && prefix < newLines.Count && oldLines[prefix] == newLines[prefix])
        {
            prefix++;
        }
        var suffix = 0;
        while (suffix < oldLines.Count - prefix && suffix < newLines.Count - prefix
               && oldLines[oldLines.Count - 1 - suffix] == newLines[newLines.Count - 1 - suffix])
        {
            suffix++;
        }

        var script = new List<DiffLine>(Math.Max(oldLines.Count, newLines.Count));
        for (var i = 0; i < prefix; i++)
        {
            script.Add(new DiffLine(DiffKind.Equal, oldLines[i], i, i));
        }
        Middle(oldLines, newLines, prefix, oldLines.Count - suffix, prefix, newLines.Count - suffix, script);
        for (var i = suffix; i > 0; i--)
        {
            script.Add(new DiffLine(DiffKind.Equal, oldLines[oldLines.Count - i], oldLines.Count - i, newLines.Count - i));
        }
        return script;
    }

    /// <summary>The diff as unified-diff text with <paramref name="context"/> lines around each change; empty when equal.</summary>
    public static string Unified(string oldText, string newText, string oldLabel, string newLabel, int context = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(context);
        var script = Compute(SplitLines(oldText), SplitLines(newText));
        if (script.All(l => l.Kind == DiffKind.Equal))
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        text.Append("--- ").Append(oldLabel).Append('\n');
        text.Append("+++ ").Append(newLabel).Append('\n');
        foreach (var (start, end) in Hunks(script, context))
        {
            var lines = script.Skip(start).Take(end - start).ToList();
            var oldCount = lines.Count(l => l.Kind != DiffKind.Inserted);
            var newCount = lines.Count(l => l.Kind != DiffKind.Deleted);
            // The hunk header's start is the 1-based line of the first line on that side, or the line before when the side is empty.
            var oldStart = oldCount == 0 ? PrecedingLine(script, start, old: true) : lines.First(l => l.Kind != DiffKind.Inserted).OldIndex + 1;
            var newStart = newCount == 0 ? PrecedingLine(script, start, old: false) : lines.First(l => l.Kind != DiffKind.Deleted).NewIndex + 1;
            text.Append(CultureInfo.InvariantCulture, $"@@ -{Range(oldStart, oldCount)} +{Range(newStart, newCount)} @@\n");
            foreach (var line in lines)
            {
                text.Append(line.Kind switch { DiffKind.Deleted => '-', DiffKind.Inserted => '+', _ => ' ' }).Append(line.Text).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>Lines without terminators; "\r\n" counts as one terminator and a final newline does not start an empty line.</summary>
    public static IReadOnlyList<string> SplitLines(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return [];
        }
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    private static string Range(int start, int count) => count == 1
        ? start.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{start},{count}");

    private static int PrecedingLine(IReadOnlyList<DiffLine> script, int start, bool old)
    {
        for (var i = start - 1; i >= 0; i--)
        {
            var index = old ? script[i].OldIndex : script[i].NewIndex;
            if (index >= 0)
            {
                return index + 1;
            }
        }
        return 0;
    }

    /// <summary>[start, end) ranges of the script: each change with its context, overlapping ranges merged.</summary>
    private static List<(int Start, int End)> Hunks(IReadOnlyList<DiffLine> script, int context)
    {
        var hunks = new List<(int Start, int End)>();
        for (var i = 0; i < script.Count; i++)
        {
            if (script[i].Kind == DiffKind.Equal)
            {
                continue;
            }
            var start = Math.Max(0, i - context);
            var last = i;
            while (last + 1 < script.Count && script[last + 1].Kind != DiffKind.Equal)
            {
                last++;
            }
            var end = Math.Min(script.Count, last + 1 + context);
            if (hunks.Count > 0 && start <= hunks[^1].End)
            {
                hunks[^1] = (hunks[^1].Start, end);
            }
            else
            {
                hunks.Add((start, end));
            }
            i = last;
        }
        return hunks;
    }

    /// <summary>Myers' forward greedy search over old[a0..a1) and new[b0..b1), then a backtrack through the saved frontiers.</summary>
    private static void Middle(IReadOnlyList<string> a, IReadOnlyList<string> b, int a0, int a1, int b0, int b1, List<DiffLine> script)
    {
        var n = a1 - a0;
        var m = b1 - b0;
        if (n == 0 || m == 0)
        {
            for (var i = a0; i < a1; i++)
            {
                script.Add(new DiffLine(DiffKind.Deleted, a[i], i, -1));
            }
            for (var j = b0; j < b1; j++)
            {
                script.Add(new DiffLine(DiffKind.Inserted, b[j], -1, j));
            }
            return;
        }

        var max = n + m;
        var offset = max + 1;
        var v = new int[2 * max + 3];
        // trace[d] holds the frontier before step d, for diagonals -d..d only (index k + d): O(D²) memory, not O(D·(N+M)).
        var trace = new List<int[]>();
        var found = false;
        for (var d = 0; d <= max && !found; d++)
        {
            if (d > MaxEdits)
            {
                // Too different to be worth a minimal script: everything old out, everything new in.
                Middle(a, b, a0, a1, b0, b0, script);
                Middle(a, b, a1, a1, b0, b1, script);
                return;
            }
            trace.Add(v.AsSpan(offset - d, 2 * d + 1).ToArray());
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[a0 + x] == b[b0 + y])
                {
                    x++;
                    y++;
                }
                v[offset + k] = x;
                if (x >= n && y >= m)
                {
                    found = true;
                    break;
                }
            }
        }

        // Backtrack from (n, m): trace[d] is the frontier before step d, so it tells which diagonal step d came from.
        var edits = new List<DiffLine>(n + m);
        var (cx, cy) = (n, m);
        for (var d = trace.Count - 1; d > 0; d--)
        {
            var before = trace[d];
            var k = cx - cy;
            var prevK = k == -d || (k != d && before[k - 1 + d] < before[k + 1 + d]) ? k + 1 : k - 1;
            var prevX = before[prevK + d];
            var prevY = prevX - prevK;
            while (cx > prevX && cy > prevY)
            {
                cx--;
                cy--;
                edits.Add(new DiffLine(DiffKind.Equal, a[a0 + cx], a0 + cx, b0 + cy));
            }
            if (prevK == k + 1)
            {
                cy--;
                edits.Add(new DiffLine(DiffKind.Inserted, b[b0 + cy], -1, b0 + cy));
            }
            else
            {
                cx--;
                edits.Add(new DiffLine(DiffKind.Deleted, a[a0 + cx], a0 + cx, -1));
            }
        }
        while (cx > 0 && cy > 0)
        {
            cx--;
            cy--;
            edits.Add(new DiffLine(DiffKind.Equal, a[a0 + cx], a0 + cx, b0 + cy));
        }
        edits.Reverse();
        script.AddRange(GroupChanges(edits));
    }

    /// <summary>Within each run of changes, deletions first, then insertions: the order readers of unified diffs expect.</summary>
    private static IEnumerable<DiffLine> GroupChanges(List<DiffLine> edits)
    {
        var deleted = new List<DiffLine>();
        var inserted = new List<DiffLine>();
        foreach (var e in edits)
        {
            if (e.Kind == DiffKind.Equal)
            {
                foreach (var x in deleted.Concat(inserted))
                {
                    yield return x;
                }
                deleted.Clear();
                inserted.Clear();
                yield return e;
            }
            else
            {
                (e.Kind == DiffKind.Deleted ? deleted : inserted).Add(e);
            }
        }
        foreach (var x in deleted.Concat(inserted))
        {
            yield return x;
        }
    }
}
