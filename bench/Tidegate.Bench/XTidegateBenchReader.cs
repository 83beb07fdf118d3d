using Tidegate.Core.Definitions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tidegate.Bench;

/// <summary>Stand-in for the stack loader until it is merged: parses the whole file as YAML (so the cost
/// of parsing is measured) and reads the x-tidegate keys the catalog uses.</summary>
internal sealed class XTidegateBenchReader : IStackReader
{
    public StackReadResult Read(string file, CancellationToken cancellationToken)
    {
        var stream = new YamlStream();
        try
        {
            using var text = new StreamReader(file);
            stream.Load(text);
        }
        catch (YamlException ex)
        {
            return new StackReadResult(null, [new Diagnostic(DiagnosticSeverity.Error, file, (int)ex.Start.Line, (int)ex.Start.Column, "", ex.Message)]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("x-tidegate"), out var node) || node is not YamlMappingNode meta)
        {
            return new StackReadResult(new StackMetadata(), []);
        }
        var variables = meta.Children.TryGetValue(new YamlScalarNode("variables"), out var vars) && vars is YamlMappingNode map
            ? map.Children.Select(pair => new VariableDefinition { Name = ((YamlScalarNode)pair.Key).Value! }).ToList()
            : [];
        return new StackReadResult(new StackMetadata
        {
            ProductId = Scalar(meta, "product") ?? Scalar(meta, "productId"),
            ProductName = Scalar(meta, "productName"),
            StackName = Scalar(meta, "stack") ?? Scalar(meta, "name"),
            Description = Scalar(meta, "description"),
            Version = Scalar(meta, "version"),
            ReleaseNotesUrl = Scalar(meta, "releaseNotes"),
            Variables = variables,
        }, []);
    }

    private static string? Scalar(YamlMappingNode node, string key)
        => node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;
}
