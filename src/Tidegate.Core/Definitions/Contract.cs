namespace Tidegate.Core.Definitions;

// The shape of a loaded stack that the catalog, the diff and the engine rely on. The loader
// (StackLoader) fills it; the members below are a contract: add members, do not rename these.

public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>One finding about a stack file: where (file, 1-based line and column, key path such as
/// <c>services.web.ports[1]</c>) and what was expected.</summary>
public sealed record Diagnostic(DiagnosticSeverity Severity, string File, int Line, int Column, string Path, string Message)
{
    public override string ToString()
        => $"{File}:{Line}:{Column}: {(Severity == DiagnosticSeverity.Error ? "error" : "warning")}: {(Path.Length > 0 ? Path + ": " : "")}{Message}";
}

public enum VariableType
{
    String,
    Number,
    Boolean,
    Select,
    Secret,
    Port,
    Url,
    Email,
    Path,
    Multiline,
    ConnectionString,
}

public sealed record VariableOption(string Value, string? Label);

/// <summary>A typed variable declared in <c>x-tidegate.variables</c>, or discovered from an
/// interpolation reference (then <see cref="Declared"/> is false and the type is String).</summary>
public sealed record VariableDefinition
{
    public required string Name { get; init; }
    public VariableType Type { get; init; } = VariableType.String;
    public string? Label { get; init; }
    public string? Description { get; init; }
    public bool Required { get; init; }
    public string? Default { get; init; }
    public string? Pattern { get; init; }
    public string? PatternMessage { get; init; }
    public IReadOnlyList<VariableOption> Options { get; init; } = [];
    public decimal? Min { get; init; }
    public decimal? Max { get; init; }
    public string? Group { get; init; }
    public int Order { get; init; }
    public bool Declared { get; init; } = true;
    public bool IsSecret => Type is VariableType.Secret;
}

/// <summary>The <c>x-tidegate</c> metadata of a stack. Every member is optional in the file; a plain
/// Compose file has empty metadata and discovered variables.</summary>
public sealed record StackMetadata
{
    public string? ProductId { get; init; }
    public string? ProductName { get; init; }
    /// <summary>The stack's name inside its product as written in the file; null when absent (the catalog
    /// then derives it from the source layout).</summary>
    public string? StackName { get; init; }
    public string? Description { get; init; }
    /// <summary>SemVer 2.0 text as written; the catalog parses and orders it.</summary>
    public string? Version { get; init; }
    public string? ReleaseNotesUrl { get; init; }
    public IReadOnlyList<VariableDefinition> Variables { get; init; } = [];
}

/// <summary>What the catalog needs from a stack file: its metadata and its findings. Implemented by the
/// stack loader; the catalog reads every file of a source through it. Every file the stack names (include, extends,
/// env_file, secret and config files) must stay below <c>sourceRoot</c>.</summary>
public interface IStackReader
{
    StackReadResult Read(string file, string sourceRoot, CancellationToken cancellationToken);
}

/// <summary>Metadata is null when the file could not be read at all; Diagnostics hold every error and
/// warning (an error means the stack is not usable).</summary>
public sealed record StackReadResult(StackMetadata? Metadata, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Metadata is null || Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}
