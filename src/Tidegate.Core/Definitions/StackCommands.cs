using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Interpolation;
using Tidegate.Core.Definitions.Variables;

namespace Tidegate.Core.Definitions;

internal static class DiagnosticList
{
    public static bool HasErrors(this IEnumerable<Diagnostic> diagnostics) => diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

internal sealed record ConfigResult(string? Yaml, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool Success => Yaml is not null && !Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>The offline CLI operations, one call each: <c>tidegate validate</c> and <c>tidegate config</c>.</summary>
internal static class StackCommands
{
    /// <summary>Every diagnostic of the file (and what it includes/extends); exit non-zero when any is an error.</summary>
    public static IReadOnlyList<Diagnostic> Validate(string file, CancellationToken cancellationToken = default)
        => Validate([file], null, cancellationToken);

    /// <summary>Validates several files merged in order (like <c>docker compose -f a -f b</c>). Every file they name must
    /// stay below <paramref name="root"/> (default: the first file's directory).</summary>
    public static IReadOnlyList<Diagnostic> Validate(IReadOnlyList<string> files, string? root = null, CancellationToken cancellationToken = default)
        => StackLoader.LoadFiles(files, Root(files, root), cancellationToken).Diagnostics;

    private static StackFiles Root(IReadOnlyList<string> files, string? root)
    {
        ArgumentNullException.ThrowIfNull(files);
        return root is not null ? StackFiles.Disk(root, "the stack's root directory")
            : files.Count > 0 ? StackFiles.DiskBeside(files[0])
            : throw new ArgumentException("at least one file is needed", nameof(files));
    }

    /// <summary>The resolved YAML with <paramref name="variables"/> (highest) over values from
    /// <paramref name="envFiles"/> (later files win) over declared defaults. Yaml is null on errors.</summary>
    public static ConfigResult Config(string file, IReadOnlyDictionary<string, string>? variables = null, IReadOnlyList<string>? envFiles = null,
        RenderOptions? options = null, CancellationToken cancellationToken = default)
        => Config([file], variables, envFiles, options, null, cancellationToken);

    /// <summary>As <see cref="Config(string, IReadOnlyDictionary{string, string}?, IReadOnlyList{string}?, RenderOptions?, CancellationToken)"/>
    /// for several files merged in order.</summary>
    public static ConfigResult Config(IReadOnlyList<string> files, IReadOnlyDictionary<string, string>? variables = null, IReadOnlyList<string>? envFiles = null,
        RenderOptions? options = null, string? root = null, CancellationToken cancellationToken = default)
    {
        var template = StackLoader.LoadFiles(files, Root(files, root), cancellationToken);
        var diagnostics = new List<Diagnostic>();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var envFile in envFiles ?? [])
        {
            var parsed = DotEnvParser.ParseFile(envFile);
            diagnostics.AddRange(parsed.Diagnostics);
            foreach (var (k, v) in parsed.Values)
            {
                environment[k] = v;
            }
        }

        var resolved = StackResolver.Resolve(template, new VariableValues
        {
            Environment = environment,
            Deployment = variables ?? new Dictionary<string, string>(),
        }, cancellationToken);
        diagnostics.AddRange(resolved.Diagnostics);
        var failed = resolved.HasErrors || diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        return new ConfigResult(failed ? null : resolved.Render(options), diagnostics);
    }

    /// <summary>Parses <c>--var KEY=VALUE</c> arguments; a malformed one is returned as an error text.</summary>
    public static Dictionary<string, string> ParseVariableArguments(IEnumerable<string> arguments, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var argument in arguments)
        {
            var idx = argument.IndexOf('=', StringComparison.Ordinal);
            if (idx <= 0 || !Template.IsValidName(argument[..idx]))
            {
                errors.Add($"expected --var NAME=VALUE, got '{argument}'");
                continue;
            }

            result[argument[..idx]] = argument[(idx + 1)..];
        }

        return result;
    }
}
