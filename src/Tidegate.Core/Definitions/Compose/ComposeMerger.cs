using Tidegate.Core.Definitions.Yaml;
using static Tidegate.Core.Definitions.Yaml.YNodeExtensions;

namespace Tidegate.Core.Definitions.Compose;

/// <summary>Merges Compose trees by the rules of 13-merge.md: mappings merge, sequences append,
/// command/entrypoint/healthcheck.test replace, ports/volumes/secrets/configs merge by unique key,
/// <c>!reset</c> removes and <c>!override</c> replaces.</summary>
/// <remarks>12-interpolation.md interpolates each file before merging, but a template is kept
/// uninterpolated until values are applied at resolve time (the variables come from every file's
/// x-tidegate section and from deployment layers), so unique keys here may still hold <c>${...}</c>;
/// ComposeValidator catches the duplicate host ports that can result.</remarks>
internal static class ComposeMerger
{
    private static readonly HashSet<string> Replaced = new(StringComparer.Ordinal) { "command", "entrypoint" };
    private static readonly HashSet<string> Unique = new(StringComparer.Ordinal) { "ports", "volumes", "secrets", "configs" };
    private static readonly HashSet<string> KeyValueLists = new(StringComparer.Ordinal) { "environment", "labels", "sysctls", "extra_hosts", "annotations" };
    private static readonly HashSet<string> NameLists = new(StringComparer.Ordinal) { "depends_on", "networks" };

    /// <summary>Shapes that cannot be merged (a scalar where a mapping or list belongs) are reported to
    /// <paramref name="diagnostics"/> and the override wins.</summary>
    public static YNode? Merge(YNode? baseNode, YNode? over, string path, ICollection<Diagnostic> diagnostics)
    {
        if (over is null)
        {
            return baseNode;
        }

        if (over.Tag == "!reset")
        {
            return null;
        }

        if (over.Tag == "!override" || baseNode is null)
        {
            return Untag(over);
        }

        var field = ServiceField(path);
        if (field is not null && (Replaced.Contains(field) || path.EndsWith(".healthcheck.test", StringComparison.Ordinal)))
        {
            return over;
        }

        if (field is not null && KeyValueLists.Contains(field) && (baseNode is YSeq || over is YSeq))
        {
            Func<string, int> split = field == "extra_hosts" ? ExtraHostSeparator : item => item.IndexOf('=', StringComparison.Ordinal);
            return MergeLists(Normalize(baseNode, split), Normalize(over, split), path, "a mapping or a list of KEY=VALUE strings", diagnostics);
        }

        if (field is not null && NameLists.Contains(field) && (baseNode is YSeq || over is YSeq))
        {
            return MergeLists(Normalize(baseNode, _ => -1), Normalize(over, _ => -1), path, "a mapping or a list of names", diagnostics);
        }

        return (baseNode, over) switch
        {
            (YMap b, YMap o) => MergeMaps(b, o, path, diagnostics),
            (YSeq b, YSeq o) when field is not null && Unique.Contains(field) => MergeUnique(b, o, field, diagnostics),
            (YSeq b, YSeq o) => Append(b, o),
            _ => over,
        };
    }

    private static YNode Untag(YNode node) => node with { Tag = null };

    /// <summary>The attribute name when <paramref name="path"/> is <c>services.NAME.attribute</c>.</summary>
    private static string? ServiceField(string path)
    {
        if (!path.StartsWith("services.", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path["services.".Length..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return null;
        }

        var field = rest[(dot + 1)..];
        return field.Contains('.', StringComparison.Ordinal) ? (field.EndsWith(".test", StringComparison.Ordinal) ? "test" : "") : field;
    }

    private static YNode MergeLists(YNode baseNode, YNode over, string path, string expected, ICollection<Diagnostic> diagnostics)
    {
        if (baseNode is YMap b && over is YMap o)
        {
            return MergeMaps(b, o, path, diagnostics);
        }

        var bad = baseNode is YMap ? over : baseNode;
        // A non-empty scalar override is kept and the field's parser reports it there; reporting it here too would say it twice.
        if (!ReferenceEquals(bad, over) || over is YScalar { IsNull: true })
        {
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, bad.Mark.File, bad.Mark.Line, bad.Mark.Column, path, $"expected {expected}, got {bad.Describe()}"));
        }

        return over;
    }

    private static YMap MergeMaps(YMap b, YMap o, string path, ICollection<Diagnostic> diagnostics)
    {
        var entries = new List<YEntry>();
        foreach (var e in b.Entries)
        {
            var oe = o.Find(e.Key.Value);
            if (oe is null)
            {
                entries.Add(e);
                continue;
            }

            var merged = Merge(e.Value, oe.Value, Join(path, e.Key.Value), diagnostics);
            if (merged is not null)
            {
                entries.Add(new YEntry(e.Key, merged));
            }
        }

        foreach (var oe in o.Entries)
        {
            if (b.Find(oe.Key.Value) is null && oe.Value.Tag != "!reset")
            {
                entries.Add(new YEntry(oe.Key, Untag(oe.Value)));
            }
        }

        return new YMap(b.Mark, entries);
    }

    // HOST=IP, or HOST:IP split at the first ':' so IPv6 addresses stay whole (as the service parser reads them).
    private static int ExtraHostSeparator(string item)
    {
        var idx = item.IndexOf('=', StringComparison.Ordinal);
        return idx >= 0 ? idx : item.IndexOf(':', StringComparison.Ordinal);
    }

    private static YNode Normalize(YNode node, Func<string, int> separatorIndex)
    {
        if (node is not YSeq seq)
        {
            return node;
        }

        var entries = new List<YEntry>();
        foreach (var item in seq.Items)
        {
            if (item is not YScalar s)
            {
                continue;
            }

            string key = s.Value;
            YScalar value = new(s.Mark, "");
            var idx = separatorIndex(s.Value);
            if (idx >= 0)
            {
                key = s.Value[..idx];
                value = s with { Value = s.Value[(idx + 1)..], Style = ScalarStyle.Quoted };
            }

            entries.RemoveAll(e => e.Key.Value == key);
            entries.Add(new YEntry(new YScalar(s.Mark, key, ScalarStyle.Quoted), value));
        }

        return new YMap(seq.Mark, entries);
    }

    private static YSeq Append(YSeq b, YSeq o)
    {
        var items = b.Items.ToList();
        foreach (var item in o.Items)
        {
            // Scalar lists (dns, cap_add, profiles...) would otherwise collect duplicates over several files.
            if (item is YScalar s && items.Any(i => i is YScalar x && x.Value == s.Value))
            {
                continue;
            }

            items.Add(item);
        }

        return new YSeq(b.Mark, items);
    }

    private static YSeq MergeUnique(YSeq b, YSeq o, string field, ICollection<Diagnostic> diagnostics)
    {
        var items = b.Items.ToList();
        foreach (var item in o.Items)
        {
            var key = UniqueKey(item, field);
            var index = key is null ? -1 : items.FindIndex(i => UniqueKey(i, field) == key);
            if (index < 0)
            {
                items.Add(item);
            }
            else
            {
                items[index] = items[index] is YMap bm && item is YMap om ? MergeMaps(bm, om, field, diagnostics) : item;
            }
        }

        return new YSeq(b.Mark, items);
    }

    private static string? UniqueKey(YNode item, string field)
    {
        switch (field)
        {
            case "ports":
                if (item is YScalar ps)
                {
                    var parsed = ValueParsers.ParsePortShort(ps.Value, out _);
                    return parsed is { Count: > 0 } ? $"{parsed[0].HostIp}|{parsed[0].Target}|{parsed[0].Published}|{parsed[0].Protocol}" : ps.Value;
                }

                if (item is YMap pm)
                {
                    return $"{Text(pm["host_ip"])}|{Text(pm["target"])}|{Text(pm["published"])}|{Text(pm["protocol"]) ?? "tcp"}";
                }

                return null;
            case "volumes":
                if (item is YScalar vs)
                {
                    var parts = vs.Value.Split(':');
                    return parts.Length == 1 ? parts[0] : parts[1];
                }

                return item is YMap vm ? Text(vm["target"]) : null;
            default:
                if (item is YScalar fs)
                {
                    return fs.Value;
                }

                return item is YMap fm ? Text(fm["target"]) ?? Text(fm["source"]) : null;
        }
    }

    private static string? Text(YNode? node) => node is YScalar { IsNull: false } s ? s.Value : null;
}
