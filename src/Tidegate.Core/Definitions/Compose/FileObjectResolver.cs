using Tidegate.Core.Definitions.Yaml;

namespace Tidegate.Core.Definitions.Compose;

/// <summary>Resolves the sources of the top-level secrets and configs that services use, as docker compose does
/// for a project without swarm: a <c>file</c> gets its absolute host path (relative paths start at the stack file's
/// directory; include and extends already rebased theirs onto it) that must name an existing file, and an
/// <c>environment</c> source reads that variable's value from the stack's variables.</summary>
internal static class FileObjectResolver
{
    public static ComposeProject Apply(ComposeProject project, string stackFile, ParseContext ctx, Func<string, string?> lookup, StackFiles files)
    {
        var baseDir = StackFiles.DirectoryOf(stackFile);
        var usedSecrets = project.Services.SelectMany(s => s.Secrets).Select(r => r.Source).ToHashSet(StringComparer.Ordinal);
        var usedConfigs = project.Services.SelectMany(s => s.Configs).Select(r => r.Source).ToHashSet(StringComparer.Ordinal);
        return project with
        {
            Secrets = [.. project.Secrets.Select(d => Resolve(d, "secrets", "secret", usedSecrets, baseDir, stackFile, ctx, lookup, files))],
            Configs = [.. project.Configs.Select(d => Resolve(d, "configs", "config", usedConfigs, baseDir, stackFile, ctx, lookup, files))],
        };
    }

    private static FileObjectDefinition Resolve(
        FileObjectDefinition d, string section, string what, HashSet<string> used, string baseDir, string stackFile, ParseContext ctx, Func<string, string?> lookup,
        StackFiles files)
    {
        if (d.External == true || !used.Contains(d.Key))
        {
            return d;
        }

        var path = $"{section}.{d.Key}";
        if (d.File is { } file)
        {
            var located = files.LocateOnHost(baseDir, file.StartsWith("~/", StringComparison.Ordinal) ? HomePath(file) : file);
            var full = located.FullPath;
            if (!located.Inside)
            {
                ComposeValidator.Error(ctx, stackFile, path + ".file", $"{what} file path '{file}' leaves {files.Boundary}: every file a stack names must be below its source's root");
                return d with { HostPath = null };
            }

            if (Directory.Exists(full))
            {
                ComposeValidator.Error(ctx, stackFile, path + ".file", $"{what} file '{file}' is a directory; expected a file");
            }
            else if (!File.Exists(full))
            {
                ComposeValidator.Error(ctx, stackFile, path + ".file", $"{what} file '{file}' does not exist (looked for {full})");
            }

            return d with { HostPath = full };
        }

        if (d.Environment is { } variable)
        {
            // The value itself never appears in a message: it is a secret more often than not.
            var value = lookup(variable);
            if (value is null)
            {
                ComposeValidator.Error(ctx, stackFile, path + ".environment", $"{what} '{d.Key}' reads the variable '{variable}', which has no value");
            }

            return d with { EnvironmentValue = value };
        }

        return d;
    }

    private static string HomePath(string file) => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), file[2..]);
}
