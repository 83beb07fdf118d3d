using NuGet.Versioning;
using Tidegate.Core.Definitions;

namespace Tidegate.Core.Catalog;

/// <summary>Reads every stack file under a source's root into catalog entries. The layout rules are in
/// docs/catalog.md; in short: the first folder under the root is the product, a version folder
/// (<c>1.2.0</c> or <c>v1.2.0</c>) directly above the file gives the version, and <c>x-tidegate</c> keys
/// override both, except that a version that disagrees with its folder is an error.</summary>
internal sealed class DirectorySourceScanner(IStackReader reader)
{
    public static readonly IReadOnlyList<string> ComposeFileNames =
        ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml", "stack.yaml", "stack.yml"];

    private static readonly EnumerationOptions Walk = new()
    {
        RecurseSubdirectories = true,
        // Hidden covers .git and dot-folders on Unix; symlinks are skipped so a link cannot loop the walk.
        AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.ReparsePoint,
        IgnoreInaccessible = true,
        MatchType = MatchType.Simple,
    };

    /// <summary>Reads the stack files under <paramref name="root"/>; every file they name must stay below
    /// <paramref name="sourceRoot"/> (the source's directory or checkout; <paramref name="root"/> or a folder inside it).</summary>
    public IReadOnlyList<CatalogProduct> Scan(string sourceId, string root, string sourceRoot, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(root))
        {
            throw new CatalogSyncException($"Directory '{root}' does not exist.");
        }

        var files = Directory.EnumerateFiles(root, "*", Walk)
            .Where(IsStackFile)
            .Order(StringComparer.Ordinal)
            .ToList();

        var entries = new List<StackVersion>(files.Count);
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            entries.Add(ReadEntry(sourceId, root, sourceRoot, file, cancellationToken));
        }
        return CatalogAssembler.Assemble(sourceId, entries);
    }

    /// <summary>Well-known Compose names are always stack files; any other YAML file is one when it has a
    /// top-level <c>services:</c> or <c>x-tidegate:</c> key, so config files shipped beside a stack
    /// (a prometheus.yml, say) are not mistaken for stacks.</summary>
    public static bool IsStackFile(string path)
    {
        var name = Path.GetFileName(path);
        if (name.Contains(".override.", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (ComposeFileNames.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }
        if (!name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) && !name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        try
        {
            return File.ReadLines(path).Any(line => line.StartsWith("services:", StringComparison.Ordinal)
                                                     || line.StartsWith("x-tidegate:", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return true; // let the reader report why it cannot be read
        }
    }

    private StackVersion ReadEntry(string sourceId, string root, string sourceRoot, string file, CancellationToken cancellationToken)
    {
        var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
        var folders = relative.Split('/')[..^1];
        var diagnostics = new List<Diagnostic>();

        var read = ReadSafely(file, sourceRoot, cancellationToken);
        diagnostics.AddRange(read.Diagnostics);
        var metadata = read.Metadata;

        SemanticVersion? folderVersion = null;
        var inVersionFolder = folders.Length > 0 && CatalogVersions.TryParseFolder(folders[^1], out folderVersion);
        var productFolders = inVersionFolder ? folders[..^1] : folders;

        var product = ResolveId(metadata?.ProductId, "x-tidegate.product", productFolders.Length > 0 ? productFolders[0] : sourceId, file, diagnostics);
        var stackDefault = IsComposeFileName(file)
            ? (productFolders.Length > 1 ? productFolders[^1] : product)
            : Path.GetFileNameWithoutExtension(file);
        var stack = ResolveId(metadata?.StackName, "x-tidegate.stack", stackDefault, file, diagnostics);

        var version = ResolveVersion(metadata?.Version, folderVersion, folders.Length > 0 ? folders[^1] : null, file, diagnostics);
        return new StackVersion(new StackId(sourceId, product, stack), version, relative, file, metadata, diagnostics) { SourceRoot = sourceRoot };
    }

    private StackReadResult ReadSafely(string file, string sourceRoot, CancellationToken cancellationToken)
    {
        try
        {
            return reader.Read(file, sourceRoot, cancellationToken);
        }
        // One unreadable file must not fail the whole source: whatever the reader throws becomes a diagnostic (without
        // the exception's text, which viewers would read in the catalog and which could quote a file).
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new StackReadResult(null, [Error(file, "", $"The file could not be read ({ex.GetType().Name}).")]);
        }
    }

    private static string ResolveId(string? declared, string key, string fallback, string file, List<Diagnostic> diagnostics)
    {
        if (string.IsNullOrWhiteSpace(declared))
        {
            var id = CatalogIds.Normalize(fallback);
            return id.Length > 0 ? id : "unnamed";
        }
        var normalized = CatalogIds.Normalize(declared);
        if (normalized.Length == 0)
        {
            diagnostics.Add(Error(file, key, $"'{declared}' is not a usable id (letters, digits, '.', '_' and '-')."));
            return CatalogIds.Normalize(fallback);
        }
        if (!string.Equals(normalized, declared.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Warning, file, 0, 0, key,
                $"'{declared}' is used as id '{normalized}' (ids hold only letters, digits, '.', '_' and '-')."));
        }
        return normalized;
    }

    private static SemanticVersion? ResolveVersion(string? declared, SemanticVersion? folderVersion, string? folderName, string file, List<Diagnostic> diagnostics)
    {
        if (string.IsNullOrWhiteSpace(declared))
        {
            if (folderVersion is null)
            {
                diagnostics.Add(Error(file, "x-tidegate.version",
                    "The stack has no version: set x-tidegate.version or put the file in a version folder (product/1.0.0/compose.yaml)."));
            }
            return folderVersion;
        }
        if (!CatalogVersions.TryParse(declared, out var version))
        {
            diagnostics.Add(Error(file, "x-tidegate.version", $"'{declared}' is not a SemVer 2.0 version (MAJOR.MINOR.PATCH[-pre][+build])."));
            return null;
        }
        if (folderVersion is not null && CatalogVersions.Precedence.Compare(version, folderVersion) != 0)
        {
            diagnostics.Add(Error(file, "x-tidegate.version",
                $"x-tidegate.version '{declared}' does not match its version folder '{folderName}'."));
        }
        return version;
    }

    private static bool IsComposeFileName(string file)
        => ComposeFileNames.Contains(Path.GetFileName(file), StringComparer.OrdinalIgnoreCase);

    private static Diagnostic Error(string file, string path, string message)
        => new(DiagnosticSeverity.Error, file, 0, 0, path, message);
}

/// <summary>Groups entries into products and stacks, sorts versions and flags duplicates.</summary>
internal static class CatalogAssembler
{
    public static IReadOnlyList<CatalogProduct> Assemble(string sourceId, IReadOnlyList<StackVersion> entries)
    {
        var products = new List<CatalogProduct>();
        foreach (var productGroup in entries.GroupBy(e => e.StackId.Product, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var stacks = productGroup
                .GroupBy(e => e.StackId, e => e)
                .Select(g => BuildStack(g.Key, [.. g]))
                .OrderBy(s => s.Id.Stack, StringComparer.Ordinal)
                .ToList();
            var newest = productGroup
                .Where(e => !e.IsBroken)
                .OrderByDescending(e => e.Version!, CatalogVersions.Precedence)
                .FirstOrDefault();
            var name = newest?.Metadata?.ProductName
                       ?? productGroup.Select(e => e.Metadata?.ProductName).FirstOrDefault(n => !string.IsNullOrWhiteSpace(n))
                       ?? productGroup.Key;
            products.Add(new CatalogProduct(sourceId, productGroup.Key, name, newest?.Metadata?.Description, stacks));
        }
        return products;
    }

    private static CatalogStack BuildStack(StackId id, List<StackVersion> entries)
    {
        var versioned = new List<StackVersion>();
        var unversioned = new List<StackVersion>();
        var seen = new Dictionary<SemanticVersion, StackVersion>(VersionComparer.Default);
        foreach (var entry in entries)
        {
            if (entry.Version is null)
            {
                unversioned.Add(entry);
            }
            else if (seen.TryGetValue(entry.Version, out var first))
            {
                // Two files claiming one version would make an upgrade target ambiguous: keep the first, flag the second.
                versioned.Add(entry with
                {
                    Diagnostics = [.. entry.Diagnostics, new Diagnostic(DiagnosticSeverity.Error, entry.FullPath, 0, 0, "x-tidegate.version",
                        $"Version {entry.Version.ToNormalizedString()} of stack '{id}' is also defined by '{first.File}'.")],
                });
            }
            else
            {
                seen.Add(entry.Version, entry);
                versioned.Add(entry);
            }
        }
        var sorted = versioned
            .OrderByDescending(v => v.Version!, CatalogVersions.Precedence)
            .ThenBy(v => v.IsBroken)
            .ThenBy(v => v.File, StringComparer.Ordinal)
            .ToList();
        var newest = sorted.FirstOrDefault(v => !v.IsBroken) ?? sorted.FirstOrDefault();
        return new CatalogStack(id, newest?.Metadata?.StackName?.Trim() is { Length: > 0 } n ? n : id.Stack, newest?.Metadata?.Description, sorted, unversioned);
    }
}
