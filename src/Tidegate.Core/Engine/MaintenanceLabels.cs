using Tidegate.Docker.Containers;

namespace Tidegate.Core.Engine;

/// <summary>The keep-running labels: a container labelled <c>tidegate.maintenance: ignore</c> (or ReadyStackGo's
/// <c>rsgo.maintenance: ignore</c>) is left running when its deployment enters maintenance.</summary>
internal static class MaintenanceLabels
{
    public const string Tidegate = "tidegate.maintenance";
    public const string ReadyStackGo = "rsgo.maintenance";
    public const string Ignore = "ignore";

    public static bool KeepsRunning(IReadOnlyDictionary<string, string>? labels) =>
        labels is not null && (IsIgnore(labels.GetValueOrDefault(Tidegate)) || IsIgnore(labels.GetValueOrDefault(ReadyStackGo)));

    public static bool KeepsRunning(ContainerSummary container) => KeepsRunning(container?.Labels);

    private static bool IsIgnore(string? value) => string.Equals(value?.Trim(), Ignore, StringComparison.OrdinalIgnoreCase);
}
