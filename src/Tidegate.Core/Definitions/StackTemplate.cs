using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Variables;
using Tidegate.Core.Definitions.Yaml;

namespace Tidegate.Core.Definitions;

/// <summary>A loaded stack definition before values are applied: the merged Compose tree (includes,
/// extends and override files applied, not interpolated), its metadata and every finding.</summary>
internal sealed record StackTemplate
{
    public required string File { get; init; }

    /// <summary>Null when the file could not be read or is not YAML.</summary>
    public YNode? Tree { get; init; }

    public StackMetadata Metadata { get; init; } = new();

    public TidegateExtension Extension { get; init; } = TidegateExtension.Empty;

    /// <summary>Where each declared variable is written (for value errors at resolve time).</summary>
    public IReadOnlyDictionary<string, Mark> VariablePositions { get; init; } = new Dictionary<string, Mark>();

    /// <summary>The project as far as it can be typed with defaults only; unresolved values are left unchecked.</summary>
    public ComposeProject? Preview { get; init; }

    /// <summary>Findings of loading (YAML, include, extends, x-tidegate), without the typed checks.</summary>
    public IReadOnlyList<Diagnostic> LoadDiagnostics { get; init; } = [];

    /// <summary>Every finding: loading plus the typed checks on <see cref="Preview"/>.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>Where include, extends and env_file contents come from (and what was read, for a revision's copy).</summary>
    public StackFiles Files { get; init; } = StackFiles.None;

    /// <summary>Declared variables first (in declaration order), then those discovered from references.</summary>
    public IReadOnlyList<VariableDefinition> Variables => Metadata.Variables;

    public bool HasErrors => Tree is null || Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    public StackReadResult ToReadResult() => new(Tree is null ? null : Metadata, Diagnostics);
}
