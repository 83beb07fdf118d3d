namespace Tidegate.Core.Definitions.Variables;

/// <summary>The value layers of a deployment, lowest to highest: declared defaults, the environment's
/// saved values, the deployment's values. A higher layer wins, even with an empty string.</summary>
internal sealed record VariableValues
{
    public static readonly VariableValues None = new();

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Deployment { get; init; } = new Dictionary<string, string>();

    /// <summary>Names whose values come from a secret source (an environment's or a deployment's secret variable):
    /// masked wherever the stack uses them, like the variables the stack itself declares secret.</summary>
    public IReadOnlySet<string> SecretNames { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public static VariableValues FromDeployment(IReadOnlyDictionary<string, string> values) => new() { Deployment = values };

    /// <summary>Merges the layers over the declared defaults of <paramref name="definitions"/>.</summary>
    public IReadOnlyDictionary<string, string> Merge(IEnumerable<VariableDefinition> definitions)
    {
        var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in definitions)
        {
            if (d.Declared && d.Default is not null)
            {
                merged[d.Name] = d.Default;
            }
        }

        foreach (var (k, v) in Environment)
        {
            merged[k] = v;
        }

        foreach (var (k, v) in Deployment)
        {
            merged[k] = v;
        }

        return merged;
    }
}
