using System.Globalization;
using System.Text.Json;
using Tidegate.Core.Deployments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using YamlDotNet.RepresentationModel;

namespace Tidegate.Core.Revisions;

/// <summary>What a service ran in each revision, as "reference@digest" (or the reference alone when no digest was recorded).
/// <see cref="Image"/> is set when the reference is the same on both sides and only its digest differs.</summary>
internal sealed record RevisionImageChange(string? Service, string? Image, string? From, string? To);

internal enum VariableChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>A variable that differs; secret values are always <see cref="Masked.Value"/>.</summary>
internal sealed record RevisionVariableChange(string Name, VariableChangeKind Change, string? From, string? To, bool Secret);

internal sealed record RevisionDiff(
    int From, int To, string FromVersion, string ToVersion, IReadOnlyList<RevisionImageChange> Images,
    IReadOnlyList<RevisionVariableChange> Variables, string Definition);

/// <summary>Compares two revisions of one deployment: version, the image (and digest) of each service, variables
/// (secrets compared in clear, reported masked) and a unified diff of the resolved definitions (already masked).</summary>
internal static class RevisionComparison
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="fromValues">The variables of <paramref name="from"/> with secrets in clear (only compared, never returned).</param>
    /// <param name="toValues">The variables of <paramref name="to"/> with secrets in clear.</param>
    /// <param name="secrets">The deployment's other secret values (environment, credentials): masked in the definitions too, so
    /// a revision stored before definitions were masked by value shows none either.</param>
    public static RevisionDiff Compare(Revision from, IReadOnlyList<VariableValue> fromValues, Revision to, IReadOnlyList<VariableValue> toValues,
        SecretValues? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(fromValues);
        ArgumentNullException.ThrowIfNull(toValues);
        var masker = (secrets ?? SecretValues.None).With(fromValues.Concat(toValues).Where(v => v.IsSecret).Select(v => v.Value));
        var fromResolved = masker.Mask(ResolvedText(from.Definition));
        var toResolved = masker.Mask(ResolvedText(to.Definition));
        return new RevisionDiff(from.Number, to.Number, from.Version, to.Version,
            Images(from, fromResolved, to, toResolved),
            Variables(fromValues, toValues),
            LineDiff.Unified(fromResolved, toResolved, Label(from), Label(to)));
    }

    /// <summary>The resolved (masked) definition of a revision; the raw column for revisions written before <see cref="StoredDefinition"/>.</summary>
    public static string ResolvedText(string definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.TrimStart().StartsWith('{'))
        {
            try
            {
                if (JsonSerializer.Deserialize<StoredDefinition>(definition, Json) is { Resolved: { } resolved })
                {
                    return resolved;
                }
            }
            catch (JsonException)
            {
                // not a stored definition: show it as it is
            }
        }
        return definition;
    }

    /// <summary>service → image reference from a resolved compose definition; empty when it cannot be read.</summary>
    public static IReadOnlyDictionary<string, string> ServiceImages(string resolved)
    {
        var images = new SortedDictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var yaml = new YamlStream();
            using var reader = new StringReader(resolved);
            yaml.Load(reader);
            if (yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("services"), out var node) && node is YamlMappingNode services)
            {
                foreach (var (key, value) in services.Children)
                {
                    if (key is YamlScalarNode { Value: { } name } && value is YamlMappingNode service
                        && service.Children.TryGetValue(new YamlScalarNode("image"), out var image) && image is YamlScalarNode { Value: { } reference })
                    {
                        images[name] = reference;
                    }
                }
            }
        }
        catch (YamlDotNet.Core.YamlException)
        {
            // an unreadable definition has no services to compare; the text diff still shows it
        }
        return images;
    }

    private static string Label(Revision r) => string.Create(CultureInfo.InvariantCulture, $"revision {r.Number} ({r.Version})");

    private static List<RevisionImageChange> Images(Revision from, string fromResolved, Revision to, string toResolved)
    {
        var fromServices = ServiceImages(fromResolved);
        var toServices = ServiceImages(toResolved);
        var changes = new List<RevisionImageChange>();
        if (fromServices.Count > 0 || toServices.Count > 0)
        {
            foreach (var service in fromServices.Keys.Union(toServices.Keys).Order(StringComparer.Ordinal))
            {
                var a = fromServices.GetValueOrDefault(service);
                var b = toServices.GetValueOrDefault(service);
                var left = a is null ? null : Pinned(a, from.ImageDigests);
                var right = b is null ? null : Pinned(b, to.ImageDigests);
                if (left != right)
                {
                    changes.Add(new RevisionImageChange(service, a == b ? a : null, left, right));
                }
            }
            return changes;
        }

        // Without readable definitions: compare the recorded digests per image reference.
        foreach (var image in from.ImageDigests.Keys.Union(to.ImageDigests.Keys).Order(StringComparer.Ordinal))
        {
            var a = from.ImageDigests.GetValueOrDefault(image);
            var b = to.ImageDigests.GetValueOrDefault(image);
            if (a != b)
            {
                changes.Add(new RevisionImageChange(null, image, a is null ? null : Pinned(image, from.ImageDigests), b is null ? null : Pinned(image, to.ImageDigests)));
            }
        }
        return changes;
    }

    private static string Pinned(string image, IReadOnlyDictionary<string, string> digests)
    {
        if (!digests.TryGetValue(image, out var digest) || string.IsNullOrEmpty(digest))
        {
            return image;
        }
        // Repository digests are "name@sha256:…"; an image id is "sha256:…".
        var at = digest.IndexOf('@', StringComparison.Ordinal);
        return image + "@" + (at >= 0 ? digest[(at + 1)..] : digest);
    }

    private static List<RevisionVariableChange> Variables(IReadOnlyList<VariableValue> fromValues, IReadOnlyList<VariableValue> toValues)
    {
        var a = fromValues.GroupBy(v => v.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var b = toValues.GroupBy(v => v.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var changes = new List<RevisionVariableChange>();
        foreach (var name in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            a.TryGetValue(name, out var left);
            b.TryGetValue(name, out var right);
            var secret = left?.IsSecret == true || right?.IsSecret == true;
            string? Show(VariableValue? v) => v is null ? null : secret ? Masked.Value : v.Value;
            if (left is null)
            {
                changes.Add(new RevisionVariableChange(name, VariableChangeKind.Added, null, Show(right), secret));
            }
            else if (right is null)
            {
                changes.Add(new RevisionVariableChange(name, VariableChangeKind.Removed, Show(left), null, secret));
            }
            else if (!string.Equals(left.Value, right.Value, StringComparison.Ordinal) || left.IsSecret != right.IsSecret)
            {
                changes.Add(new RevisionVariableChange(name, VariableChangeKind.Changed, Show(left), Show(right), secret));
            }
        }
        return changes;
    }
}
