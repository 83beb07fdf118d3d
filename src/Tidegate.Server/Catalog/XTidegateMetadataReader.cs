using Tidegate.Core.Definitions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tidegate.Server.Catalog;

/// <summary>A stand-in for the real stack loader until the branches meet: reads only the <c>x-tidegate</c>
/// block (and checks that <c>services</c> exists). Registered as <see cref="IStackReader"/> in
/// <c>ServerServices</c>; swapping in the real loader is one line there.</summary>
internal sealed class XTidegateMetadataReader : IStackReader
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
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return new StackReadResult(null, [new Diagnostic(DiagnosticSeverity.Error, file, 1, 1, "", "A stack file must be a YAML mapping.")]);
        }

        var diagnostics = new List<Diagnostic>();
        if (Child(root, "services") is not YamlMappingNode)
        {
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, file, 1, 1, "services", "A stack file needs a 'services' mapping."));
        }
        if (Child(root, "x-tidegate") is not YamlMappingNode meta)
        {
            return new StackReadResult(new StackMetadata(), diagnostics);
        }
        var variables = Child(meta, "variables") is YamlMappingNode vars
            ? vars.Children.Select(pair => Variable(((YamlScalarNode)pair.Key).Value!, pair.Value as YamlMappingNode)).ToList()
            : [];
        var metadata = new StackMetadata
        {
            ProductId = Scalar(meta, "product") ?? Scalar(meta, "productId"),
            ProductName = Scalar(meta, "productName"),
            StackName = Scalar(meta, "stack") ?? Scalar(meta, "name"),
            Description = Scalar(meta, "description"),
            Version = Scalar(meta, "version"),
            ReleaseNotesUrl = Scalar(meta, "releaseNotes"),
            Variables = variables,
        };
        return new StackReadResult(metadata, diagnostics);
    }

    private static VariableDefinition Variable(string name, YamlMappingNode? node) => new()
    {
        Name = name,
        Type = Enum.TryParse<VariableType>(node is null ? null : Scalar(node, "type"), ignoreCase: true, out var type) ? type : VariableType.String,
        Label = node is null ? null : Scalar(node, "label"),
        Required = node is not null && Scalar(node, "required") is "true",
        Default = node is null ? null : Scalar(node, "default"),
    };

    private static YamlNode? Child(YamlMappingNode node, string key)
        => node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;
}
