using Tidegate.Core.Definitions.Compose;

namespace Tidegate.Core.Definitions;

internal sealed record ServiceChange(string Service, IReadOnlyList<string> ChangedFields, string? OldImage, string? NewImage)
{
    public bool ImageChanged => OldImage != NewImage;
}

internal sealed record ImageChange(string Service, string? OldImage, string? NewImage);

/// <summary>A variable new in the target version; <see cref="NeedsValue"/> when it is required and has
/// no default, so an upgrade cannot proceed without asking for it.</summary>
internal sealed record AddedVariable(VariableDefinition Definition)
{
    public string Name => Definition.Name;
    public bool NeedsValue => Definition.Required && string.IsNullOrEmpty(Definition.Default);
}

internal sealed record StackComparison
{
    public IReadOnlyList<string> AddedServices { get; init; } = [];
    public IReadOnlyList<string> RemovedServices { get; init; } = [];
    public IReadOnlyList<ServiceChange> ChangedServices { get; init; } = [];
    public IReadOnlyList<AddedVariable> AddedVariables { get; init; } = [];
    public IReadOnlyList<VariableDefinition> RemovedVariables { get; init; } = [];
    public IReadOnlyList<string> ChangedVariables { get; init; } = [];
    public string? OldVersion { get; init; }
    public string? NewVersion { get; init; }

    public IReadOnlyList<ImageChange> ImageChanges => ChangedServices.Where(c => c.ImageChanged).Select(c => new ImageChange(c.Service, c.OldImage, c.NewImage)).ToList();

    /// <summary>Names for the upgrade check's <c>newVariables</c>.</summary>
    public IReadOnlyList<string> NewVariables => AddedVariables.Select(v => v.Name).ToList();

    /// <summary>Names for the upgrade check's <c>removedVariables</c>.</summary>
    public IReadOnlyList<string> RemovedVariableNames => RemovedVariables.Select(v => v.Name).ToList();

    public bool HasChanges => AddedServices.Count + RemovedServices.Count + ChangedServices.Count + AddedVariables.Count + RemovedVariables.Count + ChangedVariables.Count > 0;
}

/// <summary>Compares two versions of a stack: services (by their canonical rendering, field by field),
/// images and variables.</summary>
internal static class StackDiff
{
    /// <summary>Compares two templates: variables as declared/discovered, services as typed with defaults.</summary>
    public static StackComparison Compare(StackTemplate from, StackTemplate to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        return Compare(from.Preview ?? new ComposeProject(), to.Preview ?? new ComposeProject()) with
        {
            AddedVariables = to.Variables.Where(v => from.Variables.All(o => o.Name != v.Name)).Select(v => new AddedVariable(v)).ToList(),
            RemovedVariables = from.Variables.Where(v => to.Variables.All(n => n.Name != v.Name)).ToList(),
            ChangedVariables = to.Variables.Where(v => from.Variables.FirstOrDefault(o => o.Name == v.Name) is { } old && !SameDefinition(old, v)).Select(v => v.Name).ToList(),
            OldVersion = from.Metadata.Version,
            NewVersion = to.Metadata.Version,
        };
    }

    /// <summary>Compares two resolved stacks (what really runs), including variables of their templates.</summary>
    public static StackComparison Compare(ResolvedStack from, ResolvedStack to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var templates = Compare(from.Template, to.Template);
        var services = Compare(from.Project ?? new ComposeProject(), to.Project ?? new ComposeProject());
        return templates with
        {
            AddedServices = services.AddedServices,
            RemovedServices = services.RemovedServices,
            ChangedServices = services.ChangedServices,
        };
    }

    public static StackComparison Compare(ComposeProject from, ComposeProject to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var oldNames = from.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var newNames = to.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var changed = new List<ServiceChange>();
        foreach (var service in to.Services.Where(s => oldNames.Contains(s.Name)).OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var old = from.Service(service.Name)!;
            var oldFields = ComposeRenderer.Service(old).ToDictionary(e => e.Key, e => YamlWriter.Write([e]), StringComparer.Ordinal);
            var newFields = ComposeRenderer.Service(service).ToDictionary(e => e.Key, e => YamlWriter.Write([e]), StringComparer.Ordinal);
            var fields = oldFields.Keys.Union(newFields.Keys)
                .Where(k => oldFields.GetValueOrDefault(k) != newFields.GetValueOrDefault(k))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (fields.Count > 0)
            {
                changed.Add(new ServiceChange(service.Name, fields, old.Image, service.Image));
            }
        }

        return new StackComparison
        {
            AddedServices = newNames.Except(oldNames).Order(StringComparer.Ordinal).ToList(),
            RemovedServices = oldNames.Except(newNames).Order(StringComparer.Ordinal).ToList(),
            ChangedServices = changed,
        };
    }

    private static bool SameDefinition(VariableDefinition a, VariableDefinition b)
        => a with { Order = 0, Options = [] } == b with { Order = 0, Options = [] } && a.Options.SequenceEqual(b.Options);
}
