using System.CommandLine;
using System.Text.Json;
using Tidegate.Cli.Client;
using Tidegate.Core.Catalog;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Compose;

namespace Tidegate.Cli.Commands;

/// <summary>The offline stack commands: <c>tidegate validate</c> and <c>tidegate config</c>. They need no
/// server: a stack is a file, or a stack id looked up in a local catalog directory.</summary>
internal static class StackFileCommands
{
    public static Command CreateValidate(CliIO io)
    {
        var files = new Argument<string[]>("file") { Description = "Stack file(s); several are merged in order like docker compose -f.", Arity = ArgumentArity.OneOrMore };
        var root = RootOption();
        var command = new Command("validate", "Check stack files and print every error and warning with file, line, column and key path.") { files, root };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var paths = parseResult.GetValue(files)!;
            var missing = paths.Where(p => !File.Exists(p)).ToList();
            if (missing.Count > 0)
            {
                return Task.FromResult(Usage(io, $"no such file: {string.Join(", ", missing)}"));
            }

            var rootDirectory = parseResult.GetValue(root);
            if (rootDirectory is not null && !Directory.Exists(rootDirectory))
            {
                return Task.FromResult(Usage(io, $"no such directory: {rootDirectory}"));
            }

            var diagnostics = StackCommands.Validate(paths, rootDirectory, cancellationToken);
            if (CliCommand.IsJson(parseResult))
            {
                io.Out.WriteLine(JsonSerializer.Serialize(new { valid = !diagnostics.HasErrors(), diagnostics = diagnostics.Select(ToJson) }, CliCommand.Indented));
            }
            else
            {
                foreach (var d in diagnostics)
                {
                    io.Out.WriteLine(d.ToString());
                }
                var errors = diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
                var warnings = diagnostics.Count - errors;
                io.Out.WriteLine(errors == 0 ? $"valid ({warnings} warning(s))" : $"invalid: {errors} error(s), {warnings} warning(s)");
            }
            return Task.FromResult(diagnostics.HasErrors() ? ExitCodes.OperationFailed : ExitCodes.Ok);
        });
        return command;
    }

    public static Command CreateConfig(CliIO io)
    {
        var target = new Argument<string[]>("file-or-stack-id")
        {
            Description = "Stack file(s) merged in order, or one stack id source:product:stack[@version] from --catalog-dir.",
            Arity = ArgumentArity.OneOrMore,
        };
        var variables = VariableArguments.Create("A variable value NAME=VALUE (repeatable); wins over --env-file and --var-file.");
        var envFiles = new Option<string[]>("--env-file") { Description = "A .env file with values (repeatable; later files win)." };
        var catalogDir = new Option<string?>("--catalog-dir") { Description = "Local catalog directory for stack ids (default: TIDEGATE_CATALOG_DIR)." };
        var reveal = new Option<bool>("--reveal-secrets") { Description = "Print secret variable values instead of masking them." };
        var root = RootOption();
        var command = new Command("config", "Print the fully resolved stack as YAML, deterministically (like docker compose config).")
        {
            target, variables.Var, variables.VarFile, envFiles, catalogDir, reveal, root,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            Dictionary<string, string> values;
            try
            {
                values = variables.Read(parseResult, io, Core.Definitions.Interpolation.Template.IsValidName);
            }
            catch (CliException ex)
            {
                return Usage(io, string.Join(Environment.NewLine + "  ", [ex.Message, .. ex.Details]));
            }

            var targets = parseResult.GetValue(target)!;
            var (files, sourceRoot, problem) = await ResolveTargetAsync(targets, parseResult.GetValue(catalogDir), cancellationToken);
            if (files is null)
            {
                return Usage(io, problem!);
            }

            var rootDirectory = parseResult.GetValue(root) ?? sourceRoot;
            if (rootDirectory is not null && !Directory.Exists(rootDirectory))
            {
                return Usage(io, $"no such directory: {rootDirectory}");
            }

            var envs = parseResult.GetValue(envFiles) ?? [];
            if (envs.FirstOrDefault(e => !File.Exists(e)) is { } missingEnv)
            {
                return Usage(io, $"no such env file: {missingEnv}");
            }

            var result = StackCommands.Config(files, values, envs, new RenderOptions { RevealSecrets = parseResult.GetValue(reveal) }, rootDirectory, cancellationToken);
            foreach (var d in result.Diagnostics)
            {
                io.Error.WriteLine(d.ToString());
            }
            if (!result.Success)
            {
                return ExitCodes.OperationFailed;
            }
            io.Out.Write(result.Yaml);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Every path a stack names (include, extends, env_file, secret and config files) must stay below the root:
    /// by default the first stack file's directory (a catalog stack: its catalog directory).</summary>
    private static Option<string?> RootOption() => new("--root")
    {
        Description = "Directory that every file the stack names (include, extends, env_file, secret/config file) must stay below (default: the stack file's directory).",
    };

    /// <summary>Files as given, or the file of a catalog stack version (latest stable when no @version) with its source root.</summary>
    private static async Task<(IReadOnlyList<string>? Files, string? SourceRoot, string? Problem)> ResolveTargetAsync(string[] targets, string? catalogDir, CancellationToken cancellationToken)
    {
        if (targets.All(File.Exists))
        {
            return (targets, null, null);
        }
        var text = targets[0];
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var idText = at < 0 ? text : text[..at];
        if (targets.Length != 1 || !StackId.TryParse(idText, out var id))
        {
            return (null, null, $"no such file: {string.Join(", ", targets.Where(t => !File.Exists(t)))} (nor a stack id source:product:stack[@version])");
        }

        var dir = catalogDir ?? Environment.GetEnvironmentVariable("TIDEGATE_CATALOG_DIR");
        if (string.IsNullOrWhiteSpace(dir) || !Directory.Exists(dir))
        {
            return (null, null, $"'{text}' is a stack id; give the catalog directory with --catalog-dir or TIDEGATE_CATALOG_DIR");
        }

        var options = new CatalogOptions();
        options.Sources.Add(new CatalogSourceOptions { Id = id.Source, Kind = "directory", Path = dir });
        var catalog = new StackCatalog(new StackLoader(), options, TimeProvider.System);
        var sync = await catalog.SyncAsync(id.Source, cancellationToken);
        if (!sync.Succeeded)
        {
            return (null, null, $"catalog '{dir}' could not be read: {sync.Error?.Message}");
        }

        var version = at < 0 ? catalog.GetLatest(idText, includePrerelease: false) : catalog.FindVersion(idText, text[(at + 1)..]);
        return version is null
            ? (null, null, at < 0 ? $"stack '{idText}' not found in {dir}" : $"version '{text[(at + 1)..]}' of '{idText}' not found in {dir}")
            : ([version.FullPath], version.SourceRoot, null);
    }

    private static object ToJson(Diagnostic d) => new
    {
        severity = d.Severity == DiagnosticSeverity.Error ? "error" : "warning",
        file = d.File,
        line = d.Line,
        column = d.Column,
        path = d.Path,
        message = d.Message,
    };

    private static int Usage(CliIO io, string message)
    {
        io.Error.WriteLine($"error: {message}");
        return ExitCodes.Usage;
    }
}
