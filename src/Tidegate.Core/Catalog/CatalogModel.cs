using System.Diagnostics.CodeAnalysis;
using NuGet.Versioning;
using Tidegate.Core.Definitions;

namespace Tidegate.Core.Catalog;

/// <summary>The id of a stack: <c>source:product:stack</c>. Each part is a catalog id (see <see cref="CatalogIds"/>).</summary>
internal readonly record struct StackId(string Source, string Product, string Stack)
{
    public string ProductKey => $"{Source}:{Product}";

    public override string ToString() => $"{Source}:{Product}:{Stack}";

    public static bool TryParse(string? text, out StackId id)
    {
        id = default;
        var parts = text?.Split(':');
        if (parts is not { Length: 3 } || !parts.All(CatalogIds.IsValid))
        {
            return false;
        }
        id = new StackId(parts[0], parts[1], parts[2]);
        return true;
    }

    public static StackId Parse(string text)
        => TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a stack id (source:product:stack).");
}

/// <summary>One stack file of a source. A version with errors (or without a usable version) stays in the
/// catalog so it can be shown as broken; it is never offered as latest or as an upgrade.</summary>
internal sealed record StackVersion(
    StackId StackId,
    SemanticVersion? Version,
    string File,
    string FullPath,
    StackMetadata? Metadata,
    IReadOnlyList<Diagnostic> Diagnostics)
{
    [MemberNotNullWhen(false, nameof(Version), nameof(Metadata))]
    public bool IsBroken => Version is null || Metadata is null || Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>The directory every file this stack names must stay below: its source's directory or git checkout
    /// (above any sub-path, so stacks may share files anywhere in the source).</summary>
    public required string SourceRoot { get; init; }

    public bool IsPrerelease => Version?.IsPrerelease ?? false;
    public string? VersionText => Version?.ToNormalizedString();
    public string? ReleaseNotesUrl => Metadata?.ReleaseNotesUrl;
}

/// <summary>A stack with its versions, newest first by SemVer precedence. <see cref="Unversioned"/> holds
/// files of this stack whose version is missing or not SemVer.</summary>
internal sealed record CatalogStack(
    StackId Id,
    string Name,
    string? Description,
    IReadOnlyList<StackVersion> Versions,
    IReadOnlyList<StackVersion> Unversioned)
{
    public bool HasBrokenEntries => Unversioned.Count > 0 || Versions.Any(v => v.IsBroken);

    public StackVersion? Latest(bool includePrerelease)
        => Versions.FirstOrDefault(v => !v.IsBroken && (includePrerelease || !v.IsPrerelease));
}

internal sealed record CatalogProduct(
    string SourceId,
    string Id,
    string Name,
    string? Description,
    IReadOnlyList<CatalogStack> Stacks)
{
    /// <summary><c>source:product</c>, unique across the catalog.</summary>
    public string Key => $"{SourceId}:{Id}";
}

/// <summary>The content of one source after a successful sync. Immutable: a sync builds a new one and
/// swaps it in whole.</summary>
internal sealed record SourceContent(
    string SourceId,
    string Root,
    string? Revision,
    DateTimeOffset SyncedAt,
    IReadOnlyList<CatalogProduct> Products)
{
    public IEnumerable<CatalogStack> Stacks => Products.SelectMany(p => p.Stacks);
    public IEnumerable<StackVersion> Entries => Stacks.SelectMany(s => s.Versions.Concat(s.Unversioned));
}

internal enum NewerVersionsStatus
{
    UpgradeAvailable,
    UpToDate,
    /// <summary>The stack is not in the catalog (its source was removed or no longer holds it).</summary>
    StackNotFound,
    InvalidCurrentVersion,
}

/// <summary>The upgrade check's view: usable versions newer than the current one in the deployment's
/// channel, newest first, each with its release-notes link.</summary>
internal sealed record NewerVersions(NewerVersionsStatus Status, string StackId, string CurrentVersion, IReadOnlyList<StackVersion> Versions)
{
    public StackVersion? Latest => Versions.Count > 0 ? Versions[0] : null;
}
