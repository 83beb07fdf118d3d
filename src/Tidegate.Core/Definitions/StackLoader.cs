using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Interpolation;
using Tidegate.Core.Definitions.Variables;
using Tidegate.Core.Definitions.Yaml;
using static Tidegate.Core.Definitions.Yaml.YNodeExtensions;

namespace Tidegate.Core.Definitions;

/// <summary>Loads stack files: YAML with positions, include, extends, override files, x-tidegate,
/// variable discovery and the typed checks. Never throws for a user's mistake. Every file a stack names stays below
/// its root (<see cref="StackFiles"/>): the catalog source for a catalog stack, else the stack file's directory.</summary>
internal sealed class StackLoader : IStackReader
{
    public StackReadResult Read(string file, string sourceRoot, CancellationToken cancellationToken)
        => LoadFiles([file], StackFiles.Disk(sourceRoot), cancellationToken).ToReadResult();

    /// <summary>Loads one file; what it names must stay below its own directory.</summary>
    public static StackTemplate LoadFile(string path, CancellationToken cancellationToken = default) => LoadFiles([path], cancellationToken);

    /// <summary>Loads one file of a catalog source; what it names must stay below <paramref name="sourceRoot"/>.</summary>
    public static StackTemplate LoadFile(string path, string sourceRoot, CancellationToken cancellationToken = default)
        => LoadFiles([path], StackFiles.Disk(sourceRoot), cancellationToken);

    /// <summary>Loads several files merged in order (later files override, 13-merge.md); what they name must stay below
    /// the first file's directory.</summary>
    public static StackTemplate LoadFiles(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
        => LoadFiles(paths, StackFiles.DiskBeside(paths is { Count: > 0 } ? paths[0] : throw new ArgumentException("at least one file is needed", nameof(paths))),
            cancellationToken);

    /// <inheritdoc cref="LoadFiles(IReadOnlyList{string}, CancellationToken)"/>
    public static StackTemplate LoadFiles(IReadOnlyList<string> paths, StackFiles files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(files);
        if (paths.Count == 0)
        {
            throw new ArgumentException("at least one file is needed", nameof(paths));
        }

        var diagnostics = new List<Diagnostic>();
        YNode? merged = null;
        var ok = true;
        try
        {
            foreach (var path in paths)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var tree = new ComposeFileLoader(diagnostics, files, cancellationToken).Load(Path.GetFullPath(path), path, []);
                if (tree is null)
                {
                    ok = false;
                    continue;
                }

                merged = merged is null ? tree : ComposeMerger.Merge(merged, tree, "", diagnostics);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Unprocessable(paths[0], diagnostics, ex);
        }

        return Build(paths[0], ok ? merged : null, diagnostics, files);
    }

    /// <summary>Loads YAML text; relative include and extends paths resolve against the file name's directory, read from
    /// <paramref name="files"/> (default: the file system below the file name's directory).</summary>
    public static StackTemplate LoadText(string text, string fileName = "compose.yaml", CancellationToken cancellationToken = default) =>
        LoadText(text, fileName, null, cancellationToken);

    /// <inheritdoc cref="LoadText(string, string, CancellationToken)"/>
    public static StackTemplate LoadText(string text, string fileName, StackFiles? files, CancellationToken cancellationToken)
    {
        files ??= StackFiles.DiskBeside(fileName);
        var diagnostics = new List<Diagnostic>();
        YNode? tree;
        try
        {
            tree = new ComposeFileLoader(diagnostics, files, cancellationToken).LoadFromText(text, fileName, []);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Unprocessable(fileName, diagnostics, ex);
        }

        return Build(fileName, tree, diagnostics, files);
    }

    private static StackTemplate Build(string file, YNode? tree, List<Diagnostic> diagnostics, StackFiles files)
    {
        try
        {
            return BuildTemplate(file, tree, diagnostics) with { Files = files };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Unprocessable(file, diagnostics, ex);
        }
    }

    // Last line of defence: a file must never surface as a stack trace, nor as an exception text that could quote it.
    private static StackTemplate Unprocessable(string file, List<Diagnostic> diagnostics, Exception ex)
    {
        diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, 1, 1, "", $"the file could not be processed ({ex.GetType().Name})"));
        return new StackTemplate { File = file, LoadDiagnostics = diagnostics.ToList(), Diagnostics = diagnostics.ToList() };
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
        var loadDiagnostics = diagnostics.ToList();

        // Check everything that does not depend on values: interpolate with defaults only and leave
        // values that wait for a variable unchecked.
        var defaults = VariableValues.None.Merge(declared);
        var all = new List<Diagnostic>(diagnostics);
        var lenient = TreeInterpolator.Interpolate(tree, name => defaults.TryGetValue(name, out var v) ? v : null, InterpolationMode.Lenient, all);
        var previewCtx = new ParseContext(all, file);
        var preview = ComposeParser.Parse(lenient, previewCtx);
        ComposeValidator.Validate(preview, previewCtx, file);

        var discovered = Discover(references, declared).ToList();
        var variables = declared.Concat(discovered).Concat(DiscoverSourceVariables(preview, declared.Concat(discovered), declared.Count + discovered.Count)).ToList();
        // StackName stays as the file says (null when absent): the catalog derives it from its layout.
        var metadata = extension.Metadata with { Variables = variables };

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

    internal static List<Diagnostic> Sort(IEnumerable<Diagnostic> diagnostics)
        => diagnostics.Distinct()
            .OrderBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line).ThenBy(d => d.Column).ThenBy(d => d.Path, StringComparer.Ordinal)
            .ToList();

    /// <summary>Secrets and configs read from a variable (<c>environment: NAME</c>) need that variable as much as a
    /// <c>${NAME}</c> does; a secret's variable is a secret too (encrypted at rest, masked everywhere).</summary>
    private static IEnumerable<VariableDefinition> DiscoverSourceVariables(ComposeProject preview, IEnumerable<VariableDefinition> known, int order)
    {
        var names = known.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var usedSecrets = preview.Services.SelectMany(s => s.Secrets).Select(r => r.Source).ToHashSet(StringComparer.Ordinal);
        var usedConfigs = preview.Services.SelectMany(s => s.Configs).Select(r => r.Source).ToHashSet(StringComparer.Ordinal);
        var sources = preview.Secrets.Where(s => usedSecrets.Contains(s.Key)).Select(s => (s.Environment, Secret: true))
            .Concat(preview.Configs.Where(c => usedConfigs.Contains(c.Key)).Select(c => (c.Environment, Secret: false)));
        foreach (var (name, secret) in sources)
        {
            if (name is { Length: > 0 } && names.Add(name))
            {
                yield return new VariableDefinition
                {
                    Name = name,
                    Declared = false,
                    Required = true,
                    Type = secret ? VariableType.Secret : VariableType.String,
                    Order = ++order,
                };
            }
        }
    }

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
}
