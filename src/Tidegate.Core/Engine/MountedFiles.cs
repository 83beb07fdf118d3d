using System.Security.Cryptography;
using System.Text;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Engine;

/// <summary>Secrets and configs the way docker compose runs them without swarm: each is a file bind-mounted read-only into
/// the container, a secret at /run/secrets/&lt;target&gt;, a config at its target (default /&lt;name&gt;). A <c>file</c> source is
/// mounted where it lies on the host; an <c>environment</c> or <c>content</c> source is written below the engine's files
/// directory first (<see cref="WriteAsync"/>), in a directory only Tidegate's user can enter.</summary>
internal sealed class MountedFiles(PlanInput input)
{
    /// <summary>Secrets are readable by the file's owner only (Tidegate's user; root in the container reads them too): a
    /// service whose process runs as another user asks for more with the long syntax's <c>mode</c> (such as 0444).</summary>
    public const UnixFileMode SecretMode = UnixFileMode.UserRead;

    /// <summary>Compose's default for configs: world-readable.</summary>
    public const UnixFileMode ConfigMode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    // The specification: a writable bit is ignored (the mount is read-only anyway), the executable bit may be set.
    private const int ReadAndExecuteBits = 0b101_101_101;

    private const string KeyFileName = ".digest-key";

    private readonly Dictionary<string, PlannedFile> _written = new(StringComparer.Ordinal);
    private byte[]? _key;

    public IReadOnlyList<PlannedFile> Written => [.. _written.Values.OrderBy(f => f.Path, StringComparer.Ordinal)];

    /// <summary>The service's secret and config mounts, plus a digest of each host file's content (a changed host file
    /// changes the service's config hash, though its path stays the same).</summary>
    public (IReadOnlyList<Mount> Mounts, IReadOnlyList<string> HostFileDigests) Mounts(ServiceDefinition s)
    {
        var mounts = new List<Mount>();
        var digests = new List<string>();
        foreach (var r in s.Secrets)
        {
            // Undefined and external ones were rejected by the validator; a plan is only made of a valid project.
            if (input.Project.Secrets.FirstOrDefault(d => d.Key == r.Source) is { External: not true } d)
            {
                mounts.Add(Mount(d, "secrets", ComposeValidator.SecretTarget(r), r.Mode, SecretMode, digests));
            }
        }

        foreach (var r in s.Configs)
        {
            if (input.Project.Configs.FirstOrDefault(d => d.Key == r.Source) is { External: not true } d)
            {
                mounts.Add(Mount(d, "configs", ComposeValidator.ConfigTarget(r), r.Mode, ConfigMode, digests));
            }
        }

        return (mounts, digests);
    }

    /// <summary>Writes each file that is not there yet. A file's name carries its content's digest, so an existing one is
    /// complete (files are renamed into place) and correct; files of earlier revisions stay for their containers.</summary>
    public static async Task WriteAsync(IReadOnlyList<PlannedFile> files, CancellationToken ct)
    {
        foreach (var file in files)
        {
            if (File.Exists(file.Path))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(file.Path)!;
            CreatePrivateDirectory(directory);
            var temporary = Path.Combine(directory, $".{Path.GetFileName(file.Path)}.{Guid.NewGuid():N}.tmp");
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                await using (var stream = new FileStream(temporary, options))
                {
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(file.Content), ct);
                }

                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temporary, file.Mode);
                }

                File.Move(temporary, file.Path, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Removes the written files of a deployment that none of its containers mounts any more (called at commit), so
    /// a changed secret's old value does not stay on disk. A retained revision writes its files again when it is deployed.</summary>
    public static void Prune(string? filesDirectory, string project, IReadOnlyList<Docker.Containers.ContainerSummary> containers)
    {
        var directory = filesDirectory is null ? null : Path.Combine(Path.GetFullPath(filesDirectory), project);
        if (directory is null || !Directory.Exists(directory))
        {
            return;
        }

        var mounted = containers.SelectMany(c => c.Mounts ?? []).Select(m => m.Source).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            if (!mounted.Contains(file) && !Path.GetFileName(file).StartsWith('.'))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Removes what was written for a deployment (when the deployment is removed).</summary>
    public static void DeleteProject(string? filesDirectory, string project)
    {
        var directory = filesDirectory is null ? null : Path.Combine(Path.GetFullPath(filesDirectory), project);
        if (directory is not null && Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private Mount Mount(FileObjectDefinition d, string kind, string target, int? mode, UnixFileMode fallback, List<string> digests)
    {
        string source;
        if (d.File is { } file)
        {
            source = d.HostPath ?? Path.GetFullPath(file);
            digests.Add($"{target}={HostFileDigest(source, input.FilesDirectory is null ? null : Key())}");
        }
        else
        {
            var content = d.EnvironmentValue ?? d.Content ?? string.Empty;
            var fileMode = mode is { } m ? (UnixFileMode)(m & ReadAndExecuteBits) : fallback;
            var root = input.FilesDirectory ?? throw new InvalidOperationException("The engine has no files directory for secrets and configs (EngineOptions.FilesDirectory).");
            var name = $"{SafeName(d.Key)}-{Convert.ToString((int)fileMode, 8)}-{Digest(Encoding.UTF8.GetBytes(content), Key())[..16]}";
            source = Path.Combine(Path.GetFullPath(root), input.DeploymentName, kind, name);
            _written.TryAdd(source, new PlannedFile(source, content, fileMode));
        }

        return new Mount { Type = "bind", Source = source, Target = target, ReadOnly = true };
    }

    private static string HostFileDigest(string path, byte[]? key)
    {
        try
        {
            return Digest(File.ReadAllBytes(path), key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable to Tidegate need not mean unreadable to the engine; the create call is the judge.
            return "unreadable";
        }
    }

    // File names show up in docker inspect and in the journal: a plain hash of a short password could be reversed by
    // trying candidates, so the digest is keyed with a random key only Tidegate's user can read.
    private static string Digest(byte[] content, byte[]? key) =>
        Convert.ToHexStringLower(key is null ? SHA256.HashData(content) : HMACSHA256.HashData(key, content));

    private byte[] Key()
    {
        if (_key is not null)
        {
            return _key;
        }

        var root = Path.GetFullPath(input.FilesDirectory ?? throw new InvalidOperationException("The engine has no files directory for secrets and configs (EngineOptions.FilesDirectory)."));
        var path = Path.Combine(root, KeyFileName);
        if (!File.Exists(path))
        {
            CreatePrivateDirectory(root);
            var temporary = Path.Combine(root, $"{KeyFileName}.{Guid.NewGuid():N}.tmp");
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using (var stream = new FileStream(temporary, options))
                {
                    stream.Write(RandomNumberGenerator.GetBytes(32));
                }

                // Moved into place complete, and never over a key another planner put there first.
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
            }
            finally
            {
                File.Delete(temporary);
            }
        }

        return _key = File.ReadAllBytes(path);
    }

    private static string SafeName(string key) => string.Concat(key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        // Every level Tidegate creates is 0700, so no other host user reaches a secret whatever the file's own mode.
        var missing = new Stack<string>();
        for (var d = directory; !Directory.Exists(d); d = Path.GetDirectoryName(d)!)
        {
            missing.Push(d);
        }

        while (missing.Count > 0)
        {
            Directory.CreateDirectory(missing.Pop(), DirectoryMode);
        }
    }
}
