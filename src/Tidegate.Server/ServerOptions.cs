using Microsoft.Extensions.Options;

namespace Tidegate.Server;

/// <summary>Settings of <c>tidegate serve</c>, from appsettings.json, TIDEGATE_* environment variables
/// and the command line (later sources win).</summary>
public sealed class ServerOptions
{
    /// <summary>Where the store, the secret key file and caches live. Relative paths are taken from the
    /// working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>A directory catalog registered as source <c>demo</c> (e.g. <c>demo/catalog</c>); none by default.</summary>
    public string? DemoCatalog { get; set; }

    /// <summary>First-start admin: used only when the store has no user at all (TIDEGATE_BOOTSTRAP_ADMIN_USER).</summary>
    public string? BootstrapAdminUser { get; set; }

    /// <summary>TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD; never logged.</summary>
    public string? BootstrapAdminPassword { get; set; }

    /// <summary>Directory of the built web UI (ui/ → <c>npm run build</c>); default: <c>wwwroot</c> beside the
    /// server assembly. Without an index.html there the server serves only the API.</summary>
    public string? WebRoot { get; set; }

    public SecurityOptions Security { get; set; } = new();

    public ObserverOptions Observers { get; set; } = new();
}

/// <summary>What maintenance observers may reach (docs/modes.md). Nothing is allowed by default.</summary>
public sealed class ObserverOptions
{
    /// <summary>Directories below which file observers may look (<c>Observers:FileRoots:0</c>, …). None: file observers are off.</summary>
    public List<string> FileRoots { get; set; } = [];

    /// <summary>Host names or IP literals http observers may fetch (<c>Observers:AllowedHttpHosts:0</c>, …). None: http observers are
    /// off. Loopback, link-local, unspecified and metadata addresses only when their IP literal is listed.</summary>
    public List<string> AllowedHttpHosts { get; set; } = [];

    /// <summary>Whether a stack's x-tidegate.maintenanceObserver (written by a catalog author) may use match: regex.</summary>
    public bool AllowCatalogRegex { get; set; }

    /// <summary>The fallback scan for observers to start, restart or stop (the server also scans when an operation ends).</summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class SecurityOptions
{
    /// <summary>Failed logins in a row that lock an account.</summary>
    public int MaxFailedLogins { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Login and token requests allowed per client IP and <see cref="LoginWindow"/>.</summary>
    public int LoginPermitLimit { get; set; } = 10;

    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sliding lifetime of the UI's login cookie.</summary>
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromHours(8);
}

internal sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            return ValidateOptionsResult.Fail("DataDirectory must not be empty (set TIDEGATE_DataDirectory or --data-dir).");
        }
        try
        {
            Directory.CreateDirectory(Path.GetFullPath(options.DataDirectory));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"DataDirectory '{options.DataDirectory}' cannot be created: {e.Message}");
        }
        if (options.DemoCatalog is { Length: > 0 } demo && !Directory.Exists(demo))
        {
            errors.Add($"DemoCatalog '{demo}' does not exist (set TIDEGATE_DemoCatalog or --catalog-dir to a catalog directory).");
        }
        if (string.IsNullOrEmpty(options.BootstrapAdminUser) != string.IsNullOrEmpty(options.BootstrapAdminPassword))
        {
            errors.Add("TIDEGATE_BOOTSTRAP_ADMIN_USER and TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD must be set together.");
        }
        if (options.BootstrapAdminPassword is { Length: > 0 and < Auth.PasswordPolicy.MinimumLength })
        {
            errors.Add($"TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD must have at least {Auth.PasswordPolicy.MinimumLength} characters.");
        }
        var s = options.Security;
        if (s.MaxFailedLogins < 1)
        {
            errors.Add("Security:MaxFailedLogins must be at least 1.");
        }
        if (s.LockoutDuration <= TimeSpan.Zero || s.LoginWindow <= TimeSpan.Zero || s.CookieLifetime <= TimeSpan.Zero)
        {
            errors.Add("Security:LockoutDuration, LoginWindow and CookieLifetime must be positive durations (e.g. 00:15:00).");
        }
        if (s.LoginPermitLimit < 1)
        {
            errors.Add("Security:LoginPermitLimit must be at least 1.");
        }
        var o = options.Observers;
        errors.AddRange(o.FileRoots.Where(r => !Path.IsPathFullyQualified(r)).Select(r => $"Observers:FileRoots: '{r}' must be an absolute directory."));
        errors.AddRange(o.AllowedHttpHosts.Where(h => Uri.CheckHostName(h.Trim().Trim('[', ']')) == UriHostNameType.Unknown)
            .Select(h => $"Observers:AllowedHttpHosts: '{h}' is not a host name or IP address."));
        if (o.RescanInterval < TimeSpan.FromSeconds(1) || o.RescanInterval > TimeSpan.FromDays(1))
        {
            errors.Add("Observers:RescanInterval must be from 00:00:01 to 1.00:00:00.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
