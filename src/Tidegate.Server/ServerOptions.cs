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

    /// <summary><c>Server:*</c>: how the server sees its clients.</summary>
    public ServerNetworkOptions Server { get; set; } = new();

    /// <summary><c>Audit:*</c>: retention and the sampling of anonymous requests.</summary>
    public AuditOptions Audit { get; set; } = new();

    /// <summary><c>Progress:*</c>: retention of stored progress events.</summary>
    public ProgressOptions Progress { get; set; } = new();
}

/// <summary>What maintenance observers may reach (docs/modes.md). Nothing is allowed by default.</summary>
public sealed class ObserverOptions
{
    /// <summary>Directories below which file observers may look (<c>Observers:FileRoots:0</c>, …). None: file observers are off.</summary>
    public List<string> FileRoots { get; set; } = [];

    /// <summary>Host names or IP literals http observers may fetch (<c>Observers:AllowedHttpHosts:0</c>, …). None: http observers are
    /// off. Loopback, link-local, unspecified and metadata addresses only when their IP literal is listed.</summary>
    public List<string> AllowedHttpHosts { get; set; } = [];

    /// <summary>Names of the environment secret variables SQL observers may use as connection string (<c>Observers:ConnectionSecrets:0</c>,
    /// …). None: SQL observers are off. List only secrets whose database role can read the maintenance flag and nothing more.</summary>
    public List<string> ConnectionSecrets { get; set; } = [];

    /// <summary>Whether a stack's x-tidegate.maintenanceObserver (written by a catalog author) may use match: regex.</summary>
    public bool AllowCatalogRegex { get; set; }

    /// <summary>The fallback scan for observers to start, restart or stop (the server also scans when an operation ends).</summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class SecurityOptions
{
    /// <summary>Failed logins of one username from one client address that are answered at once; after them each further
    /// failure makes that pair wait (<see cref="LoginBackoffBase"/>, doubling up to <see cref="LoginBackoffMax"/>).</summary>
    public int LoginFreeAttempts { get; set; } = 5;

    public TimeSpan LoginBackoffBase { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan LoginBackoffMax { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A (username, address) pair without a failure for this long starts again from zero.</summary>
    public TimeSpan LoginFailureMemory { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Login and token requests allowed per client IP and <see cref="LoginWindow"/>.</summary>
    public int LoginPermitLimit { get; set; } = 10;

    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sliding lifetime of the UI's login cookie.</summary>
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>No API token lives longer: creating one with a later expiry is refused, and an older token stops working.</summary>
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromDays(365);
}

public sealed class ServerNetworkOptions
{
    /// <summary>Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For and X-Forwarded-Proto are believed.
    /// None by default: the client address is the connection's.</summary>
    public string[] TrustedProxies { get; set; } = [];
}

public sealed class AuditOptions
{
    /// <summary>Audit entries older than this are deleted in the background; 0 keeps them forever.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Refused anonymous requests are written as the first of each action per window plus one row counting the rest.</summary>
    public TimeSpan AnonymousWindow { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class ProgressOptions
{
    /// <summary>Progress events older than this are deleted in the background; 0 keeps them forever.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
}

internal sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    private static readonly TimeSpan MaxRetention = TimeSpan.FromDays(36_500);

    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            return ValidateOptionsResult.Fail("DataDirectory must not be empty (set TIDEGATE_DataDirectory or --data-dir).");
        }
        try
        {
            Hosting.DataDirectoryModes.Create(Path.GetFullPath(options.DataDirectory));
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
        if (s.LoginFreeAttempts < 1)
        {
            errors.Add("Security:LoginFreeAttempts must be at least 1.");
        }
        if (s.LoginBackoffBase <= TimeSpan.Zero || s.LoginBackoffMax < s.LoginBackoffBase || s.LoginFailureMemory <= TimeSpan.Zero)
        {
            errors.Add("Security:LoginBackoffBase and LoginFailureMemory must be positive durations and LoginBackoffMax at least LoginBackoffBase.");
        }
        if (s.LoginWindow <= TimeSpan.Zero || s.CookieLifetime <= TimeSpan.Zero)
        {
            errors.Add("Security:LoginWindow and CookieLifetime must be positive durations (e.g. 00:15:00).");
        }
        if (s.LoginPermitLimit < 1)
        {
            errors.Add("Security:LoginPermitLimit must be at least 1.");
        }
        var o = options.Observers;
        errors.AddRange(o.FileRoots.Where(r => !Path.IsPathFullyQualified(r)).Select(r => $"Observers:FileRoots: '{r}' must be an absolute directory."));
        errors.AddRange(o.AllowedHttpHosts.Where(h => Uri.CheckHostName(h.Trim().Trim('[', ']')) == UriHostNameType.Unknown)
            .Select(h => $"Observers:AllowedHttpHosts: '{h}' is not a host name or IP address."));
        errors.AddRange(o.ConnectionSecrets.Where(n => !Tidegate.Core.Observers.ObserverSettingsParser.IsSecretName(n))
            .Select(n => $"Observers:ConnectionSecrets: '{n}' is not a variable name (letters, digits and _)."));
        if (o.RescanInterval < TimeSpan.FromSeconds(1) || o.RescanInterval > TimeSpan.FromDays(1))
        {
            errors.Add("Observers:RescanInterval must be from 00:00:01 to 1.00:00:00.");
        }
        if (s.MaxTokenLifetime < TimeSpan.FromDays(1) || s.MaxTokenLifetime > TimeSpan.FromDays(3650))
        {
            errors.Add("Security:MaxTokenLifetime must be between 1 day and 3650 days (e.g. 365.00:00:00).");
        }
        foreach (var proxy in options.Server.TrustedProxies)
        {
            if (!Http.ClientAddresses.TryParseNetwork(proxy, out _))
            {
                errors.Add($"Server:TrustedProxies: '{proxy}' is not an IP address or CIDR network (e.g. 10.0.0.5 or 10.0.0.0/24).");
            }
        }
        if (options.Audit.Retention < TimeSpan.Zero || options.Progress.Retention < TimeSpan.Zero
            || options.Audit.Retention > MaxRetention || options.Progress.Retention > MaxRetention)
        {
            errors.Add($"Audit:Retention and Progress:Retention must be 0 (keep forever) or a positive duration of at most {MaxRetention.TotalDays} days (e.g. 365.00:00:00).");
        }
        if (options.Audit.AnonymousWindow < TimeSpan.FromSeconds(1) || options.Audit.AnonymousWindow > TimeSpan.FromHours(1))
        {
            errors.Add("Audit:AnonymousWindow must be between 00:00:01 and 01:00:00.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
