using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Interpolation;
using Tidegate.Core.Definitions.Variables;
using Tidegate.Core.Definitions.Yaml;
using static Tidegate.Core.Definitions.Yaml.YNodeExtensions;

namespace Tidegate.Core.Definitions;

/// <summary>Loads stack files: YAML with positions, include, extends, override files, x-tidegate,
/// variable discovery and the typed checks. Never throws for a user's mistake.</summary>
internal sealed class StackLoader : IStackReader
{
    private static readonly string[] TopLevelResources = ["services", "networks", "volumes", "secrets", "configs"];

    public StackReadResult Read(string file, CancellationToken cancellationToken) => LoadFile(file, cancellationToken).ToReadResult();

    public static StackTemplate LoadFile(string path, CancellationToken cancellationToken = default) => LoadFiles([path], cancellationToken);

    /// <summary>Loads several files merged in order (later files override, 13-merge.md).</summary>
    public static StackTemplate LoadFiles(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            throw new ArgumentException("at least one file is needed", nameof(paths));
        }

        var diagnostics = new List<Diagnostic>();
        YNode? merged = null;
        var ok = true;
        foreach (var path in paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tree = new TreeLoader(diagnostics, cancellationToken).Load(Path.GetFullPath(path), path, []);
            if (tree is null)
            {
                ok = false;
                continue;
            }

            merged = merged is null ? tree : ComposeMerger.Merge(merged, tree, "");
        }

        return Build(paths[0], ok ? merged : null, diagnostics);
    }

    /// <summary>Loads YAML text; relative include and extends paths resolve against the file name's directory.</summary>
    public static StackTemplate LoadText(string text, string fileName = "compose.yaml", CancellationToken cancellationToken = default)
    {
        var diagnostics = new List<Diagnostic>();
        var tree = new TreeLoader(diagnostics, cancellationToken).LoadFromText(text, fileName, []);
        return Build(fileName, tree, diagnostics);
    }

    private static StackTemplate Build(string file, YNode? tree, List<Diagnostic> diagnostics)
    {
        try
        {
            return BuildTemplate(file, tree, diagnostics);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Last line of defence: a file must never surface as a stack trace.
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, 1, 1, "", "the file could not be processed: " + ex.Message));
            return new StackTemplate { File = file, LoadDiagnostics = diagnostics.ToList(), Diagnostics = diagnostics.ToList() };
        }
    }

    private static StackTemplate BuildTemplate(string file, YNode? tree, List<Diagnostic> diagnostics)
    {
        if (tree is null)
        {
            return new StackTemplate { File = file, LoadDiagnostics = diagnostics.ToList(), Diagnostics = diagnostics.ToList() };
        }

        var ctx = new ParseContext(diagnostics, file);
        var extension = TidegateExtensionParser.Parse((tree as YMap)?["x-tidegate"], ctx);
        var positions = new Dictionary<string, Mark>(StringComparer.Ordinal);
        if ((tree as YMap)?["x-tidegate"] is YMap xt && xt["variables"] is YMap vars)
        {
            foreach (var e in vars.Entries)
            {
                positions[e.Key.Value] = e.Key.Mark;
            }
        }

        var syntax = new List<Diagnostic>();
        var references = TreeInterpolator.FindReferences(tree, syntax);
        var declared = extension.Metadata.Variables;
        var variables = declared.Concat(Discover(references, declared)).ToList();
        var metadata = extension.Metadata with
        {
            Variables = variables,
            StackName = extension.Metadata.StackName ?? extension.Metadata.ProductId ?? DirectoryName(file),
        };
        var loadDiagnostics = diagnostics.ToList();

        // Check everything that does not depend on values: interpolate with defaults only and leave
        // values that wait for a variable unchecked.
        var defaults = VariableValues.None.Merge(declared);
        var all = new List<Diagnostic>(diagnostics);
        var lenient = TreeInterpolator.Interpolate(tree, name => defaults.TryGetValue(name, out var v) ? v : null, InterpolationMode.Lenient, all);
        var previewCtx = new ParseContext(all, file);
        var preview = ComposeParser.Parse(lenient, previewCtx);
        ComposeValidator.Validate(preview, previewCtx, file);

        return new StackTemplate
        {
            File = file,
            Tree = tree,
            Metadata = metadata,
            Extension = extension,
            VariablePositions = positions,
            Preview = preview,
            LoadDiagnostics = loadDiagnostics,
            Diagnostics = Sort(all),
        };
    }

    private static string? DirectoryName(string file)
    {
        var dir = Path.GetDirectoryName(file);
        return string.IsNullOrEmpty(dir) ? null : Path.GetFileName(Path.GetFullPath(dir));
    }

    internal static List<Diagnostic> Sort(IEnumerable<Diagnostic> diagnostics)
        => diagnostics.Distinct()
            .OrderBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line).ThenBy(d => d.Column).ThenBy(d => d.Path, StringComparer.Ordinal)
            .ToList();

    private static IEnumerable<VariableDefinition> Discover(List<VariableReference> references, IReadOnlyList<VariableDefinition> declared)
    {
        var known = declared.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var order = declared.Count;
        foreach (var group in references.Where(r => !known.Contains(r.Name)).GroupBy(r => r.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var withDefault = group.FirstOrDefault(r => r.Default is not null);
            var mustHave = group.Any(r => r.Operator is SubstitutionOperator.ErrorIfUnset or SubstitutionOperator.ErrorIfUnsetOrEmpty);
            var bare = group.Any(r => r.Operator == SubstitutionOperator.None);
            yield return new VariableDefinition
            {
                Name = group.Key,
                Declared = false,
                Default = withDefault?.Default,
                Required = mustHave || (bare && withDefault is null),
                Description = group.Select(r => r.ErrorMessage).FirstOrDefault(m => !string.IsNullOrEmpty(m)),
                Order = ++order,
            };
        }
    }

    /// <summary>Reads one file and applies its include and extends (recursively, with cycle checks).</summary>
    private sealed class TreeLoader(List<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        public YMap? Load(string fullPath, string displayPath, HashSet<string> chain)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string text;
            try
            {
                text = File.ReadAllText(fullPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, displayPath, 0, 0, "", "cannot read the file: " + ex.Message));
                return null;
            }

            return LoadFromText(text, displayPath, chain, fullPath);
        }

        public YMap? LoadFromText(string text, string displayPath, HashSet<string> chain, string? fullPath = null)
        {
            var tree = YamlTreeReader.Read(text, displayPath, diagnostics);
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

                    var full = Path.GetFullPath(Path.Combine(dir, p.Value));
                    if (chain.Contains(full))
                    {
                        Error(p, ip, $"include cycle: '{p.Value}' includes itself");
                        continue;
                    }

                    if (!File.Exists(full))
                    {
                        Error(p, ip, $"included file '{p.Value}' does not exist");
                        continue;
                    }

                    var tree = Load(full, full, chain);
                    if (tree is not null)
                    {
                        included = included is null ? tree : ComposeMerger.Merge(included, tree, "");
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
                var full = Path.GetFullPath(Path.Combine(dir, file));
                if (chain.Contains(full))
                {
                    Error(ext.Value, path, $"extends cycle: '{file}' leads back to this file");
                    return local;
                }

                if (!File.Exists(full))
                {
                    Error(ext.Value, Join(path, "file"), $"file '{file}' does not exist");
                    return local;
                }

                var other = Load(full, full, chain);
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

            var merged = ComposeMerger.Merge(baseNode, local, "services." + name) ?? local;
            resolved[name] = merged;
            return merged;
        }

        private void Error(YNode node, string path, string message)
            => diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, node.Mark.File, node.Mark.Line, node.Mark.Column, path, message));

        private void Warning(YNode node, string path, string message)
            => diagnostics.Add(new Diagnostic(DiagnosticSeverity.Warning, node.Mark.File, node.Mark.Line, node.Mark.Column, path, message));
    }
}
