using System.Text.RegularExpressions;

namespace Tidegate.Core.Catalog;

/// <summary>The catalog section of the configuration. Bound from configuration, then
/// <see cref="Validate"/>d before the catalog starts.</summary>
internal sealed class CatalogOptions
{
    public List<CatalogSourceOptions> Sources { get; init; } = [];

    /// <summary>Interval for sources that do not set their own.</summary>
    public TimeSpan DefaultSyncInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the periodic sync looks for sources that are due.</summary>
    public TimeSpan SyncCheckPeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Where git sources are fetched to; normally <c>&lt;data-dir&gt;/cache/catalog</c>.</summary>
    public string CacheDirectory { get; set; } = "";

    public string GitExecutable { get; set; } = "git";

    /// <summary>Upper bound for one git command, so a hanging remote cannot block its source forever.</summary>
    public TimeSpan GitTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public static readonly TimeSpan MinimumSyncInterval = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (DefaultSyncInterval < MinimumSyncInterval)
        {
            errors.Add($"Catalog:DefaultSyncInterval must be at least {MinimumSyncInterval} (was {DefaultSyncInterval}).");
        }
        if (SyncCheckPeriod <= TimeSpan.Zero)
        {
            errors.Add($"Catalog:SyncCheckPeriod must be positive (was {SyncCheckPeriod}).");
        }
        if (GitTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Catalog:GitTimeout must be positive (was {GitTimeout}).");
        }
        if (Sources.Any(s => string.Equals(s.Kind, "git", StringComparison.OrdinalIgnoreCase)) && string.IsNullOrWhiteSpace(CacheDirectory))
        {
            errors.Add("Catalog:CacheDirectory is required when a git source is configured.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Sources.Count; i++)
        {
            var source = Sources[i];
            var label = $"Catalog:Sources:{i}{(string.IsNullOrWhiteSpace(source.Id) ? "" : $" ('{source.Id}')")}";
            errors.AddRange(source.Validate().Select(e => $"{label}: {e}"));
            if (!string.IsNullOrWhiteSpace(source.Id) && !seen.Add(source.Id))
            {
                errors.Add($"{label}: the id '{source.Id}' is used by another source.");
            }
        }
        return errors;
    }

    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new CatalogConfigurationException(errors);
        }
    }

    public IReadOnlyList<CatalogSourceDefinition> ToDefinitions()
        => [.. Sources.Select(s => s.ToDefinition(DefaultSyncInterval))];
}

/// <summary>One source entry as written in configuration.</summary>
internal sealed partial class CatalogSourceOptions
{
    public string Id { get; set; } = "";
    /// <summary><c>directory</c> or <c>git</c>.</summary>
    public string Kind { get; set; } = "";
    /// <summary>Directory path (directory sources).</summary>
    public string? Path { get; set; }
    /// <summary>Repository URL or path (git sources), without credentials.</summary>
    public string? Url { get; set; }
    public string? Branch { get; set; }
    public string? Tag { get; set; }
    public string? SubPath { get; set; }
    /// <summary>Null: the catalog default; <see cref="TimeSpan.Zero"/>: on demand only.</summary>
    public TimeSpan? SyncInterval { get; set; }
    public string? Username { get; set; }
    /// <summary>Token or password for HTTPS remotes.</summary>
    public string? Password { get; set; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!CatalogIds.IsValid(Id))
        {
            errors.Add($"Id '{Id}' is not valid: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit.");
        }
        var kind = ParseKind(Kind);
        if (kind is null)
        {
            errors.Add($"Kind '{Kind}' is unknown: use 'directory' or 'git'.");
        }
        if (kind is CatalogSourceKind.Directory)
        {
            if (string.IsNullOrWhiteSpace(Path))
            {
                errors.Add("Path is required for a directory source.");
            }
            if (Url is not null || Branch is not null || Tag is not null || Username is not null || Password is not null)
            {
                errors.Add("Url, Branch, Tag, Username and Password apply only to git sources.");
            }
        }
        if (kind is CatalogSourceKind.Git)
        {
            if (string.IsNullOrWhiteSpace(Url))
            {
                errors.Add("Url is required for a git source.");
            }
            else if (UrlProblem(Url.Trim()) is { } problem)
            {
                errors.Add(problem);
            }
            if (Branch is not null && Tag is not null)
            {
                errors.Add("Set Branch or Tag, not both.");
            }
            if (Branch is { } branch && !IsRefName(branch))
            {
                errors.Add($"Branch '{branch}' is not a valid git ref name.");
            }
            if (Tag is { } tag && !IsRefName(tag))
            {
                errors.Add($"Tag '{tag}' is not a valid git ref name.");
            }
            if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
            {
                errors.Add("Username and Password must be set together.");
            }
        }
        if (SubPath is { } subPath && (System.IO.Path.IsPathRooted(subPath) || subPath.Split('/', '\\').Contains("..")))
        {
            errors.Add($"SubPath '{subPath}' must be a relative path inside the source.");
        }
        if (SyncInterval is { } interval && interval != TimeSpan.Zero && interval < CatalogOptions.MinimumSyncInterval)
        {
            errors.Add($"SyncInterval must be 0 (on demand only) or at least {CatalogOptions.MinimumSyncInterval} (was {interval}).");
        }
        return errors;
    }

    public CatalogSourceDefinition ToDefinition(TimeSpan defaultSyncInterval)
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new CatalogConfigurationException([.. errors.Select(e => $"Source '{Id}': {e}")]);
        }
        var kind = ParseKind(Kind)!.Value;
        return new CatalogSourceDefinition
        {
            Id = Id,
            Kind = kind,
            Location = kind is CatalogSourceKind.Directory ? System.IO.Path.GetFullPath(Path!) : Url!.Trim(),
            Branch = Branch,
            Tag = Tag,
            SubPath = string.IsNullOrWhiteSpace(SubPath) ? null : SubPath.Trim('/'),
            SyncInterval = SyncInterval ?? defaultSyncInterval,
            Credentials = string.IsNullOrEmpty(Username) ? null : new GitCredentials(Username, Password!),
        };
    }

    private static CatalogSourceKind? ParseKind(string kind) => kind.Trim().ToLowerInvariant() switch
    {
        "directory" => CatalogSourceKind.Directory,
        "git" => CatalogSourceKind.Git,
        _ => null,
    };

    /// <summary>The URL lands in git's argument list, so only forms git treats as plain repository
    /// locations pass; messages never quote the URL, which may hold a token.</summary>
    private static string? UrlProblem(string url)
    {
        if (url.StartsWith('-'))
        {
            return "Url must not start with '-'.";
        }
        if (ScpLikeUrl().IsMatch(url))
        {
            return null;
        }
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && !uri.IsFile && url.Contains("://", StringComparison.Ordinal))
        {
            return uri.Scheme switch
            {
                // A bare token as user name (https://TOKEN@host) would end up in git's argv and its error messages.
                "https" or "http" when uri.UserInfo.Length > 0 => "Url must not contain credentials (a user name or token); set Username and Password instead.",
                "ssh" when uri.UserInfo.Contains(':', StringComparison.Ordinal) => "Url must not contain credentials (a password); use an SSH key.",
                "https" or "http" or "ssh" => null,
                _ => $"Url scheme '{uri.Scheme}' is not supported: use https, http, ssh, file, user@host:path or a local path.",
            };
        }
        if (url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) || System.IO.Path.IsPathRooted(url)
            || url.StartsWith("./", StringComparison.Ordinal) || url.StartsWith("../", StringComparison.Ordinal))
        {
            return null;
        }
        return "Url must be an https, http, ssh or file URL, user@host:path or a local path.";
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!:)[^\s]+$")]
    private static partial Regex ScpLikeUrl();

    // The subset of git-check-ref-format that matters here: the name lands in a refspec argument.
    private static bool IsRefName(string name)
        => name.Length > 0 && !name.StartsWith('-') && !name.StartsWith('/') && !name.EndsWith('/') && !name.EndsWith(".lock", StringComparison.Ordinal)
           && !name.Contains("..", StringComparison.Ordinal) && !name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '~' or '^' or ':' or '?' or '*' or '[' or '\\');
}

internal sealed class CatalogConfigurationException(IReadOnlyList<string> errors)
    : Exception("The catalog configuration is invalid: " + string.Join(" ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
