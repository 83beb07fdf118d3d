using Tidegate.Core.Definitions.Yaml;
using static Tidegate.Core.Definitions.Yaml.YNodeExtensions;

namespace Tidegate.Core.Definitions.Compose;

/// <summary>Reads one Compose file and applies its include and extends (recursively, with cycle checks).
/// Paths are resolved relative to the file that names them and must stay below the stack's root
/// (<see cref="StackFiles.Locate"/>). A file pulled in by include or extends is foreign: its diagnostics never quote
/// its text, so a stack cannot turn Tidegate into a reader of files it names.</summary>
internal sealed class ComposeFileLoader(List<Diagnostic> diagnostics, StackFiles files, CancellationToken cancellationToken)
{
    /// <summary>How deep include and extends may nest (a chain of files, not a count).</summary>
    public const int MaxDepth = 16;

    private static readonly string[] TopLevelResources = ["services", "networks", "volumes", "secrets", "configs"];

    private int _loads;

    /// <summary>Loads a stack file the caller chose (the main file, or one of several merged files).</summary>
    public YMap? Load(string fullPath, string displayPath, HashSet<string> chain)
    {
        var located = new StackPath(fullPath, true);
        return ReadAndLoad(located, displayPath, chain, foreign: false, at: null, path: "");
    }

    private YMap? ReadAndLoad(StackPath located, string displayPath, HashSet<string> chain, bool foreign, YNode? at, string path)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (foreign && ++_loads > StackFiles.MaxFiles)
        {
            Error(at!, path, $"the stack reads more than {StackFiles.MaxFiles} files through include and extends");
            return null;
        }

        string text;
        try
        {
            text = foreign ? files.ReadAllText(located) : ReadMain(located.FullPath);
        }
        catch (StackFileTooLargeException)
        {
            AddError(at, path, displayPath, $"the file is larger than {StackFiles.MaxFileBytes / 1024} KiB");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // The exception text names the path only; foreign content is never read into a message.
            AddError(at, path, displayPath, "cannot read the file: " + ex.Message);
            return null;
        }

        return LoadFromText(text, displayPath, chain, located.FullPath, foreign);
    }

    private static string ReadMain(string fullPath)
    {
        // The main file is named by the caller (catalog scan, command line), not by a stack; it is read as is.
        if (new FileInfo(fullPath) is { Exists: true, Length: > StackFiles.MaxFileBytes })
        {
            throw new StackFileTooLargeException();
        }

        return File.ReadAllText(fullPath);
    }

    public YMap? LoadFromText(string text, string displayPath, HashSet<string> chain, string? fullPath = null, bool foreign = false)
    {
        if (text.Length > StackFiles.MaxFileBytes)
        {
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, displayPath, 1, 1, "", $"the file is larger than {StackFiles.MaxFileBytes / 1024} KiB"));
            return null;
        }

        var tree = YamlTreeReader.Read(text, displayPath, diagnostics, quoteContent: !foreign);
        if (tree is null)
        {
            return null;
        }

        if (tree is not YMap root)
        {
            if (!tree.IsNull())
            {
                diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, displayPath, tree.Mark.Line, tree.Mark.Column, "",
                    $"expected the Compose file to be a mapping at the top level, got {tree.Describe()}"));
                return null;
            }

            return new YMap(tree.Mark, []);
        }

        var key = fullPath ?? Path.GetFullPath(displayPath);
        var inner = new HashSet<string>(chain, StringComparer.Ordinal) { key };
        var dir = Path.GetDirectoryName(key) ?? ".";
        root = ResolveExtends(root, dir, displayPath, inner);
        root = ResolveIncludes(root, dir, inner);
        return root;
    }

    /// <summary>Locates a path named by include or extends: inside the root, not a cycle, not too deep, existing.
    /// Null (with an error at <paramref name="at"/>) otherwise.</summary>
    private StackPath? LocateNamed(YNode at, string path, string dir, string written, string what, HashSet<string> chain, string cycleMessage, string missingMessage)
    {
        var located = files.Locate(dir, written);
        if (!located.Inside)
        {
            Error(at, path, $"{what} path '{written}' leaves {files.Boundary}: every file a stack names must be below its source's root");
            return null;
        }

        if (chain.Contains(located.FullPath))
        {
            Error(at, path, cycleMessage);
            return null;
        }

        if (chain.Count >= MaxDepth)
        {
            Error(at, path, $"{what} nests more than {MaxDepth} files deep");
            return null;
        }

        if (!files.Exists(located))
        {
            Error(at, path, missingMessage);
            return null;
        }

        return located;
    }

    private YMap ResolveIncludes(YMap root, string dir, HashSet<string> chain)
    {
        var include = root.Find("include");
        if (include is null)
        {
            return root;
        }

        var result = root with { Entries = root.Entries.Where(e => e.Key.Value != "include").ToList() };
        if (include.Value is not YSeq seq)
        {
            Error(include.Value, "include", $"expected a list of files, got {include.Value.Describe()}");
            return result;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var item = seq.Items[i];
            var ip = Index("include", i);
            var paths = new List<YScalar>();
            if (item is YScalar s && !s.IsNull)
            {
                paths.Add(s);
            }
            else if (item is YMap m && m["path"] is { } pn)
            {
                if (pn is YScalar ps)
                {
                    paths.Add(ps);
                }
                else if (pn is YSeq pq)
                {
                    paths.AddRange(pq.Items.OfType<YScalar>());
                }

                foreach (var other in m.Entries.Where(e => e.Key.Value != "path"))
                {
                    Warning(other.Key, Join(ip, other.Key.Value), $"'{other.Key.Value}' of include is not supported by Tidegate and is ignored");
                }
            }
            else
            {
                Error(item, ip, $"expected a path or a mapping with 'path', got {item.Describe()}");
                continue;
            }

            YNode? included = null;
            foreach (var p in paths)
            {
                if (p.Value.Contains('$', StringComparison.Ordinal))
                {
                    Error(p, ip, "variables in include paths are not supported by Tidegate");
                    continue;
                }

                if (LocateNamed(p, ip, dir, p.Value, "include", chain, $"include cycle: '{p.Value}' includes itself",
                        $"included file '{p.Value}' does not exist") is not { } full)
                {
                    continue;
                }

                var tree = ReadAndLoad(full, full.FullPath, chain, foreign: true, p, ip);
                if (tree is not null)
                {
                    included = included is null ? tree : ComposeMerger.Merge(included, tree, "", diagnostics);
                }
            }

            if (included is YMap inc)
            {
                result = CopyResources(result, inc, item, ip);
            }
        }

        return result;
    }

    private YMap CopyResources(YMap root, YMap included, YNode at, string path)
    {
        var entries = root.Entries.ToList();
        foreach (var section in TopLevelResources)
        {
            if (included[section] is not YMap incSection)
            {
                continue;
            }

            var index = entries.FindIndex(e => e.Key.Value == section);
            var local = index >= 0 ? entries[index].Value as YMap : null;
            var merged = local?.Entries.ToList() ?? [];
            foreach (var e in incSection.Entries)
            {
                if (merged.Any(x => x.Key.Value == e.Key.Value))
                {
                    Warning(at, path, $"{section.TrimEnd('s')} '{e.Key.Value}' from the included file conflicts with one already defined; the existing one is kept");
                    continue;
                }

                merged.Add(e);
            }

            var node = new YMap(local?.Mark ?? incSection.Mark, merged);
            if (index >= 0)
            {
                entries[index] = new YEntry(entries[index].Key, node);
            }
            else
            {
                entries.Add(new YEntry(new YScalar(incSection.Mark, section), node));
            }
        }

        return root with { Entries = entries };
    }

    private YMap ResolveExtends(YMap root, string dir, string displayPath, HashSet<string> chain)
    {
        if (root["services"] is not YMap services || !services.Entries.Any(e => e.Value is YMap m && m.Find("extends") is not null))
        {
            return root;
        }

        var resolved = new Dictionary<string, YNode>(StringComparer.Ordinal);
        var newEntries = new List<YEntry>();
        foreach (var e in services.Entries)
        {
            newEntries.Add(new YEntry(e.Key, ResolveService(services, e.Key.Value, dir, displayPath, chain, resolved, [])));
        }

        return root with
        {
            Entries = root.Entries.Select(e => e.Key.Value == "services" ? new YEntry(e.Key, services with { Entries = newEntries }) : e).ToList(),
        };
    }

    private YNode ResolveService(YMap services, string name, string dir, string displayPath, HashSet<string> chain, Dictionary<string, YNode> resolved, HashSet<string> visiting)
    {
        if (resolved.TryGetValue(name, out var done))
        {
            return done;
        }

        var node = services[name]!;
        if (node is not YMap service || service.Find("extends") is not { } ext)
        {
            return node;
        }

        var path = $"services.{name}.extends";
        var local = service with { Entries = service.Entries.Where(x => x.Key.Value != "extends").ToList() };
        string? baseName = null;
        string? file = null;
        if (ext.Value is YScalar es && !es.IsNull)
        {
            baseName = es.Value;
        }
        else if (ext.Value is YMap em)
        {
            baseName = (em["service"] as YScalar)?.Value;
            file = (em["file"] as YScalar)?.Value;
        }

        if (baseName is null)
        {
            Error(ext.Value, path, $"expected a service name or a mapping with 'service' (and optional 'file'), got {ext.Value.Describe()}");
            return local;
        }

        YNode? baseNode;
        if (file is null)
        {
            if (!visiting.Add(name))
            {
                Error(ext.Value, path, $"extends cycle through service '{name}'");
                return local;
            }

            if (services[baseName] is null)
            {
                Error(ext.Value, path, $"expected the name of a service in this file, got '{baseName}'");
                visiting.Remove(name);
                return local;
            }

            baseNode = ResolveService(services, baseName, dir, displayPath, chain, resolved, visiting);
            visiting.Remove(name);
        }
        else
        {
            if (LocateNamed(ext.Value, Join(path, "file"), dir, file, "extends", chain, $"extends cycle: '{file}' leads back to this file",
                    $"file '{file}' does not exist") is not { } full)
            {
                return local;
            }

            var other = ReadAndLoad(full, full.FullPath, chain, foreign: true, ext.Value, Join(path, "file"));
            baseNode = (other?["services"] as YMap)?[baseName];
            if (baseNode is null)
            {
                if (other is not null)
                {
                    Error(ext.Value, Join(path, "service"), $"expected the name of a service in '{file}', got '{baseName}'");
                }

                return local;
            }
        }

        var merged = ComposeMerger.Merge(baseNode, local, "services." + name, diagnostics) ?? local;
        resolved[name] = merged;
        return merged;
    }

    private void AddError(YNode? at, string path, string file, string message)
    {
        if (at is null)
        {
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, 0, 0, "", message));
        }
        else
        {
            Error(at, path, $"{message} ({file})");
        }
    }

    private void Error(YNode node, string path, string message)
        => diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, node.Mark.File, node.Mark.Line, node.Mark.Column, path, message));

    private void Warning(YNode node, string path, string message)
        => diagnostics.Add(new Diagnostic(DiagnosticSeverity.Warning, node.Mark.File, node.Mark.Line, node.Mark.Column, path, message));
}
