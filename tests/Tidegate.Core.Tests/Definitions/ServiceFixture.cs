using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Compose;

namespace Tidegate.Core.Tests.Definitions;

internal static class ServiceFixture
{
    /// <summary>Loads <c>services.web</c> with the given attribute lines (indented by the caller's own
    /// two-space YAML) plus an image, and returns the typed service and all diagnostics.</summary>
    public static (ServiceDefinition? Service, IReadOnlyList<Diagnostic> Diagnostics) Load(string attributeYaml, string extraTopLevel = "")
    {
        var indented = string.Join("\n", attributeYaml.Split('\n').Select(l => "    " + l));
        var yaml = "services:\n  web:\n    image: nginx\n" + indented + "\n" + extraTopLevel;
        var template = StackLoader.LoadText(yaml, "compose.yaml");
        return (template.Preview?.Service("web"), template.Diagnostics);
    }

    public static IEnumerable<Diagnostic> Errors(this IReadOnlyList<Diagnostic> diagnostics) => diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);
}
