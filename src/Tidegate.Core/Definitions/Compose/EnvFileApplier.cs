using Tidegate.Core.Definitions.Interpolation;
using Tidegate.Core.Definitions.Yaml;

namespace Tidegate.Core.Definitions.Compose;

/// <summary>Reads each service's <c>env_file</c> entries into its environment, as docker compose does when
/// it resolves a project: values from <c>environment</c> win, later files win over earlier ones, and the
/// resolved service no longer names the files (so the result does not depend on where it is rendered). An env file
/// must stay below the stack's root like every other path a stack names (<see cref="StackFiles.Locate"/>).</summary>
internal static class EnvFileApplier
{
    public static ComposeProject Apply(ComposeProject project, string stackFile, ParseContext ctx, Func<string, string?> lookup, StackFiles files)
    {
        var baseDir = StackFiles.DirectoryOf(stackFile);
        var services = new List<ServiceDefinition>(project.Services.Count);
        foreach (var service in project.Services)
        {
            if (service.EnvFiles.Count == 0)
            {
                services.Add(service);
                continue;
            }

            var environment = new SortedDictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < service.EnvFiles.Count; i++)
            {
                var envFile = service.EnvFiles[i];
                var path = $"services.{service.Name}.env_file";
                var full = files.Locate(baseDir, envFile.Path);
                if (!full.Inside)
                {
                    // Even an optional file: a path outside the root is a mistake (or a probe), never silently skipped.
                    Error(ctx, stackFile, path, $"env_file path '{envFile.Path}' leaves {files.Boundary}: every file a stack names must be below its source's root");
                    continue;
                }

                if (!files.Exists(full))
                {
                    if (envFile.Required)
                    {
                        Error(ctx, stackFile, path, $"env file '{envFile.Path}' does not exist (set 'required: false' to make it optional)");
                    }

                    continue;
                }

                string text;
                try
                {
                    text = files.ReadAllText(full);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Error(ctx, stackFile, path, $"env file '{envFile.Path}' cannot be read: " + ex.Message);
                    continue;
                }

                var parsed = DotEnvParser.Parse(text, full.FullPath, lookup);
                ctx.Diagnostics.AddRange(parsed.Diagnostics);
                foreach (var (k, v) in parsed.Values)
                {
                    environment[k] = v;
                }
            }

            foreach (var (k, v) in service.Environment)
            {
                environment[k] = v;
            }

            services.Add(service with { Environment = environment, EnvFiles = [] });
        }

        return project with { Services = services };
    }

    private static void Error(ParseContext ctx, string file, string path, string message)
    {
        var mark = ctx.Positions.TryGetValue(path, out var m) ? m : new Mark(file, 1, 1);
        ctx.Diagnostics.Add(new Diagnostic(DiagnosticSeverity.Error, mark.File.Length > 0 ? mark.File : file, mark.Line, mark.Column, path, message));
    }
}
