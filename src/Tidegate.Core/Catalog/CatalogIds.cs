using System.Text;
using NuGet.Versioning;

namespace Tidegate.Core.Catalog;

/// <summary>Ids of sources, products and stacks: lower-case letters, digits, '.', '_' and '-', starting
/// with a letter or digit. ':' separates the parts of a stack id, so it can never be part of one.</summary>
internal static class CatalogIds
{
    public static bool IsValid(string? id)
        => !string.IsNullOrEmpty(id) && char.IsAsciiLetterOrDigit(id[0]) && id.All(IsIdChar) && !id.Any(char.IsAsciiLetterUpper);

    /// <summary>Turns a folder or file name into an id: lower-cased, other characters become '-'.</summary>
    public static string Normalize(string raw)
    {
        var builder = new StringBuilder(raw.Length);
        foreach (var c in raw.Trim())
        {
            builder.Append(IsIdChar(c) ? char.ToLowerInvariant(c) : '-');
        }
        return builder.ToString().TrimStart('-', '.', '_');
    }

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';
}

/// <summary>SemVer 2.0 parsing for the catalog. NuGet's <see cref="SemanticVersion"/> is strict (three
/// numeric parts) and orders by SemVer precedence, ignoring build metadata.</summary>
internal static class CatalogVersions
{
    public static bool TryParse(string? text, out SemanticVersion version)
    {
        version = null!;
        return !string.IsNullOrWhiteSpace(text) && SemanticVersion.TryParse(text.Trim(), out version!);
    }

    /// <summary>Version folders may carry a leading 'v' as git tags often do (<c>v1.2.0</c>).</summary>
    public static bool TryParseFolder(string name, out SemanticVersion version)
    {
        var text = name.Length > 1 && name[0] is 'v' or 'V' && char.IsAsciiDigit(name[1]) ? name[1..] : name;
        return TryParse(text, out version);
    }

    public static IComparer<SemanticVersion> Precedence => VersionComparer.Default;
}
