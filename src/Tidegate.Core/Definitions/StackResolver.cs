using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Interpolation;
using Tidegate.Core.Definitions.Variables;
using Tidegate.Core.Definitions.Yaml;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Definitions;

/// <summary>A stack with values applied: the typed project the engine deploys.</summary>
internal sealed record ResolvedStack
{
    public required StackTemplate Template { get; init; }

    /// <summary>Null when the template could not be loaded at all.</summary>
    public ComposeProject? Project { get; init; }

    /// <summary>The same project with secret values replaced by <see cref="ComposeRenderer.Mask"/>, for display.</summary>
    public ComposeProject? MaskedProject { get; init; }

    /// <summary>The interpolated <c>x-tidegate</c> section (observer connection strings and the like resolved).</summary>
    public YNode? TidegateSection { get; init; }

    public TidegateExtension Extension { get; init; } = TidegateExtension.Empty;

    /// <summary>The merged values used (all layers over the declared defaults).</summary>
    public IReadOnlyDictionary<string, string> Values { get; init; } = new Dictionary<string, string>();

    /// <summary>The values of the secret variables (declared secret, or from a secret source), for masking by value.</summary>
    public SecretValues Secrets { get; init; } = SecretValues.None;

    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    public bool HasErrors => Project is null || Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    public string Render(RenderOptions? options = null)
    {
        options ??= RenderOptions.Default;
        var project = options.RevealSecrets ? Project : MaskedProject;
        return project is null ? "" : ComposeRenderer.Render(project, options, TidegateSection);
    }
}

/// <summary>Applies variable values to a template: merge the layers, check the values, interpolate,
/// type and validate.</summary>
internal static class StackResolver
{
    public static ResolvedStack Resolve(StackTemplate template, VariableValues? values = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        values ??= VariableValues.None;
        cancellationToken.ThrowIfCancellationRequested();
        if (template.Tree is null)
        {
            return new ResolvedStack { Template = template, Diagnostics = template.Diagnostics };
        }

        try
        {
            return ResolveTree(template, values);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Last line of defence: a user's stack must never surface as a stack trace, nor an exception text that
            // could carry a value of the stack or of a file it names.
            return new ResolvedStack
            {
                Template = template,
                Diagnostics = [.. template.Diagnostics, new Diagnostic(DiagnosticSeverity.Error, template.File, 1, 1, "", $"the stack could not be resolved ({ex.GetType().Name})")],
            };
        }
    }

    private static ResolvedStack ResolveTree(StackTemplate template, VariableValues values)
    {
        var merged = values.Merge(template.Variables);
        var diagnostics = new List<Diagnostic>(template.LoadDiagnostics);
        foreach (var error in VariableValidator.Validate(template.Variables.Where(v => v.Declared), merged))
        {
            var mark = template.VariablePositions.TryGetValue(error.Name, out var m) ? m : new Mark(template.File, 1, 1);
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, mark.File, mark.Line, mark.Column, "x-tidegate.variables." + error.Name, error.Message));
        }

        var tree = TreeInterpolator.Interpolate(template.Tree!, name => merged.TryGetValue(name, out var v) ? v : null, InterpolationMode.Strict, diagnostics);
        var ctx = new ParseContext(diagnostics, template.File);
        Func<string, string?> lookup = name => merged.TryGetValue(name, out var v) ? v : null;
        var project = ComposeParser.Parse(tree, ctx);
        ComposeValidator.Validate(project, ctx, template.File);
        project = EnvFileApplier.Apply(project, template.File, ctx, lookup, template.Files);
        project = FileObjectResolver.Apply(project, template.File, ctx, lookup, template.Files);

        var secrets = template.Variables.Where(v => v.IsSecret).Select(v => v.Name).Concat(values.SecretNames).ToHashSet(StringComparer.Ordinal);
        var masked = project;
        YNode? tidegate = (tree as YMap)?["x-tidegate"];
        if (secrets.Count > 0)
        {
            // Resolving again with masks keeps secrets out of rendered output without guessing where they ended up.
            Func<string, string?> maskedLookup = name => secrets.Contains(name) && merged.ContainsKey(name) ? ComposeRenderer.Mask : lookup(name);
            var maskedTree = TreeInterpolator.Interpolate(template.Tree!, maskedLookup, InterpolationMode.Strict, []);
            var maskedCtx = new ParseContext([], template.File);
            // env_files interpolate too, so they need the masking lookup as well or a secret inside one leaks.
            masked = EnvFileApplier.Apply(ComposeParser.Parse(maskedTree, maskedCtx), template.File, maskedCtx, maskedLookup, template.Files);
            masked = FileObjectResolver.Apply(masked, template.File, maskedCtx, maskedLookup, template.Files);
            tidegate = (maskedTree as YMap)?["x-tidegate"];
        }

        var extension = TidegateExtensionParser.Parse((tree as YMap)?["x-tidegate"], new ParseContext([], template.File));
        return new ResolvedStack
        {
            Template = template,
            Project = project,
            MaskedProject = masked,
            TidegateSection = tidegate,
            Extension = extension,
            Values = merged,
            Secrets = new SecretValues(secrets.Where(merged.ContainsKey).Select(n => merged[n])),
            Diagnostics = StackLoader.Sort(MaskSecrets(diagnostics, secrets.Where(merged.ContainsKey).Select(n => merged[n]))),
        };
    }

    // Messages quote offending values ("got '...'"); a secret that lands in a typed field must not leak that way.
    private static IEnumerable<Diagnostic> MaskSecrets(List<Diagnostic> diagnostics, IEnumerable<string> secretValues)
    {
        var values = secretValues.Where(v => v.Length > 0).OrderByDescending(v => v.Length).ToList();
        return values.Count == 0
            ? diagnostics
            : diagnostics.Select(d => d with { Message = values.Aggregate(d.Message, (m, v) => m.Replace(v, ComposeRenderer.Mask, StringComparison.Ordinal)) });
    }
}
