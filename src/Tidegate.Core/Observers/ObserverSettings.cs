using System.Globalization;
using System.Text.RegularExpressions;

namespace Tidegate.Core.Observers;

/// <summary>The seed's observer types.</summary>
internal enum ObserverType
{
    SqlQuery,
    SqlExtendedProperty,
    Http,
    File,
}

/// <summary>What an http observer reads: the status code, the body, or one value of a JSON body.</summary>
internal enum HttpValueSource
{
    Status,
    Body,
    JsonPath,
}

/// <summary>How an observed value is compared with maintenanceValue/normalValue.</summary>
internal enum ValueMatch
{
    Equals,
    Regex,
}

/// <summary>A maintenance observer, as configured in <c>x-tidegate.maintenanceObserver</c> or through the API.
/// <see cref="NormalValue"/> null: every value that is not the maintenance value means normal.</summary>
internal sealed record ObserverSettings
{
    public required ObserverType Type { get; init; }

    /// <summary>The clear connection string: never parsed from what a user sends; set by the observer host from the
    /// environment secret <see cref="ConnectionSecret"/> names.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The name of a secret variable of the deployment's environment (admin-managed) that holds the connection string.</summary>
    public string? ConnectionSecret { get; init; }

    public string? PropertyName { get; init; }

    public string? Query { get; init; }

    public string? Url { get; init; }

    public HttpValueSource Source { get; init; } = HttpValueSource.Status;

    public string? JsonPath { get; init; }

    public string? Path { get; init; }

    public ValueMatch Match { get; init; } = ValueMatch.Equals;

    public required string MaintenanceValue { get; init; }

    public string? NormalValue { get; init; }

    public TimeSpan PollingInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Flapping protection: a new value counts only after this many consecutive polls agree.</summary>
    public int StablePolls { get; init; } = 1;

    /// <summary>How the settings are shown: the connection secret by name (never its value), durations as text.</summary>
    public IReadOnlyDictionary<string, string?> ToDisplay()
    {
        var values = new SortedDictionary<string, string?>(StringComparer.Ordinal)
        {
            ["type"] = ObserverSettingsParser.TypeName(Type),
            ["maintenanceValue"] = MaintenanceValue,
            ["pollingInterval"] = ObserverDurations.Format(PollingInterval),
            ["timeout"] = ObserverDurations.Format(Timeout),
            ["stablePolls"] = StablePolls.ToString(CultureInfo.InvariantCulture),
            ["match"] = Match == ValueMatch.Regex ? "regex" : "equals",
        };
        Add(values, "normalValue", NormalValue);
        Add(values, "connectionSecret", ConnectionSecret);
        Add(values, "propertyName", PropertyName);
        Add(values, "query", Query);
        Add(values, "url", Url);
        Add(values, "jsonPath", JsonPath);
        Add(values, "path", Path);
        if (Type == ObserverType.Http)
        {
            values["source"] = Source switch { HttpValueSource.Body => "body", HttpValueSource.JsonPath => "jsonPath", _ => "status" };
        }

        return values;
    }

    /// <summary>The settings as the parser reads them (what the store keeps; it holds no secret value, only the secret's name).</summary>
    public IReadOnlyDictionary<string, string?> ToStored() => new Dictionary<string, string?>(ToDisplay(), StringComparer.Ordinal);

    private static void Add(SortedDictionary<string, string?> values, string key, string? value)
    {
        if (value is not null)
        {
            values[key] = value;
        }
    }
}

/// <summary>Reads observer settings from flat key/value pairs (the YAML section or the API body) with an error per field. What
/// an author may configure (allowed roots and hosts, regular expressions, connection secrets) is <see cref="ObserverRules"/>' job.</summary>
internal static partial class ObserverSettingsParser
{
    public static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaximumPollingInterval = TimeSpan.FromHours(24);

    public static readonly TimeSpan MinimumTimeout = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaximumTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Longest maintenanceValue/normalValue, query, url, path or jsonPath accepted.</summary>
    public const int MaximumTextLength = 2048;

    private static readonly string[] Known =
    [
        "type", "connectionSecret", "propertyName", "query", "url", "source", "jsonPath", "path", "match", "maintenanceValue", "normalValue",
        "pollingInterval", "timeout", "stablePolls",
    ];

    public static string TypeName(ObserverType type) => type switch
    {
        ObserverType.SqlQuery => "sqlQuery",
        ObserverType.SqlExtendedProperty => "sqlExtendedProperty",
        ObserverType.Http => "http",
        _ => "file",
    };

    public static (ObserverSettings? Settings, IReadOnlyDictionary<string, string[]> Errors) Parse(IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Error(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        string? Get(string key) => values.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;

        foreach (var key in values.Keys.Where(k => !Known.Contains(k, StringComparer.Ordinal)))
        {
            Error(key, key == "connectionString"
                ? "connectionString is not accepted: store the connection string as a secret variable of the deployment's environment (admins do, "
                  + "PUT /api/environments/{id}/variables with secret: true) and name it with connectionSecret"
                : $"unknown observer setting '{Shorten(key)}'; known: {string.Join(", ", Known)}");
        }

        foreach (var (key, value) in values.Where(v => v.Value is { Length: > MaximumTextLength }))
        {
            Error(key, $"{key} must be at most {MaximumTextLength} characters");
        }

        ObserverType? type = Get("type") switch
        {
            null => null,
            "sqlQuery" => ObserverType.SqlQuery,
            "sqlExtendedProperty" => ObserverType.SqlExtendedProperty,
            "http" => ObserverType.Http,
            "file" => ObserverType.File,
            _ => null,
        };
        if (type is null)
        {
            Error("type", Get("type") is { } given
                ? $"unknown observer type '{Shorten(given)}'; expected sqlQuery, sqlExtendedProperty, http or file"
                : "type is required: sqlQuery, sqlExtendedProperty, http or file");
        }

        var maintenanceValue = values.TryGetValue("maintenanceValue", out var mv) ? mv : null;
        if (maintenanceValue is null)
        {
            Error("maintenanceValue", "maintenanceValue is required: the value that means maintenance");
        }

        var match = Get("match") switch
        {
            null or "equals" => ValueMatch.Equals,
            "regex" => ValueMatch.Regex,
            var other => Invalid(ValueMatch.Equals, () => Error("match", $"match must be equals or regex, got '{Shorten(other)}'")),
        };
        if (match == ValueMatch.Regex)
        {
            foreach (var key in new[] { "maintenanceValue", "normalValue" })
            {
                if (Get(key) is { } pattern && !IsRegex(pattern))
                {
                    Error(key, $"{key} is not a valid .NET regular expression");
                }
            }
        }

        var interval = Duration(Get("pollingInterval"), "pollingInterval", TimeSpan.FromSeconds(30), MinimumPollingInterval, MaximumPollingInterval, Error);
        var fallbackTimeout = TimeSpan.FromSeconds(Math.Clamp(interval.TotalSeconds, 5, 10));
        var timeout = Duration(Get("timeout"), "timeout", fallbackTimeout, MinimumTimeout, MaximumTimeout, Error);

        var stable = 1;
        if (Get("stablePolls") is { } stableText && (!int.TryParse(stableText, NumberStyles.None, CultureInfo.InvariantCulture, out stable) || stable is < 1 or > 100))
        {
            Error("stablePolls", $"stablePolls must be a whole number from 1 to 100, got '{Shorten(stableText)}'");
        }

        var source = HttpValueSource.Status;
        switch (type)
        {
            case ObserverType.SqlQuery:
                RequireSecret();
                if (Require("query") is { } query && QueryRefusal(query) is { } refusal)
                {
                    Error("query", refusal);
                }

                break;
            case ObserverType.SqlExtendedProperty:
                RequireSecret();
                if (Require("propertyName") is { } property && !PropertyName().IsMatch(property))
                {
                    Error("propertyName", $"propertyName must look like prefix.name (a PostgreSQL custom setting), got '{Shorten(property)}'");
                }

                break;
            case ObserverType.Http:
                if (Require("url") is { } url)
                {
                    if (!(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
                    {
                        Error("url", $"url must be an absolute http or https URL, got '{Shorten(url)}'");
                    }
                    else if (uri.UserInfo.Length > 0)
                    {
                        Error("url", "url must not carry credentials (user:password@): viewers can read the observer's settings");
                    }
                }

                source = Get("source") switch
                {
                    null => Get("jsonPath") is null ? HttpValueSource.Status : HttpValueSource.JsonPath,
                    "status" => HttpValueSource.Status,
                    "body" => HttpValueSource.Body,
                    "jsonPath" => HttpValueSource.JsonPath,
                    var other => Invalid(HttpValueSource.Status, () => Error("source", $"source must be status, body or jsonPath, got '{Shorten(other)}'")),
                };
                if (source == HttpValueSource.JsonPath && Get("jsonPath") is null)
                {
                    Error("jsonPath", "jsonPath is required when source is jsonPath (for example $.maintenance)");
                }

                break;
            case ObserverType.File:
                if (Require("path") is { } path && (!System.IO.Path.IsPathFullyQualified(path) || path.Contains('\0', StringComparison.Ordinal)))
                {
                    Error("path", $"path must be absolute, got '{Shorten(path)}'");
                }

                break;
        }

        if (errors.Count > 0)
        {
            return (null, errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }

        return (new ObserverSettings
        {
            Type = type!.Value,
            ConnectionSecret = Get("connectionSecret"),
            PropertyName = Get("propertyName"),
            Query = Get("query"),
            Url = Get("url"),
            Source = source,
            JsonPath = Get("jsonPath"),
            Path = Get("path"),
            Match = match,
            MaintenanceValue = maintenanceValue!,
            NormalValue = values.TryGetValue("normalValue", out var nv) ? nv : null,
            PollingInterval = interval,
            Timeout = timeout,
            StablePolls = stable,
        }, new Dictionary<string, string[]>());

        string? Require(string key)
        {
            var value = Get(key);
            if (value is null)
            {
                Error(key, $"{key} is required for a {Get("type")} observer");
            }

            return value;
        }

        void RequireSecret()
        {
            if (Require("connectionSecret") is { } name && !SecretName().IsMatch(name))
            {
                Error("connectionSecret", "connectionSecret must be the name of an environment variable (letters, digits and _)");
            }
        }
    }

    /// <summary>Null when <paramref name="query"/> is one SELECT (or WITH … SELECT) statement without the commands and functions that
    /// reach beyond reading (COPY, DO, CALL, dblink, server files, large-object import/export, ending other sessions, set_config);
    /// otherwise why not. The words are looked for anywhere, string literals too (refusing a harmless query over inviting a clever one);
    /// the read-only transaction the query runs in stays the second fence.</summary>
    internal static string? QueryRefusal(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.TrimEnd().TrimEnd(';').Contains(';', StringComparison.Ordinal))
        {
            return "query must be a single statement (no ';' inside): it runs in a read-only transaction";
        }

        if (!QueryStart().IsMatch(query))
        {
            return "query must be one SELECT (or WITH … SELECT) statement";
        }

        return ForbiddenSql().Match(query) is { Success: true } forbidden
            ? $"query must not use '{Shorten(forbidden.Value)}': an observer reads a value, it does not reach files, other sessions or other servers"
            : null;
    }

    private static TimeSpan Duration(string? text, string field, TimeSpan fallback, TimeSpan min, TimeSpan max, Action<string, string> error)
    {
        if (text is null)
        {
            return fallback;
        }

        if (ObserverDurations.Parse(text) is not { } value)
        {
            error(field, $"{field} must be a duration such as 30s, 2m, 1m30s or 1500ms, got '{Shorten(text)}'");
            return fallback;
        }

        if (value < min || value > max)
        {
            error(field, $"{field} must be from {ObserverDurations.Format(min)} to {ObserverDurations.Format(max)}, got '{Shorten(text)}'");
            return fallback;
        }

        return value;
    }

    /// <summary>Echoes a user's value back only in part: an error message stays readable whatever was sent.</summary>
    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static T Invalid<T>(T fallback, Action report)
    {
        report();
        return fallback;
    }

    private static bool IsRegex(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }


    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)+$")]
    private static partial Regex PropertyName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex SecretName();

    /// <summary>Whether <paramref name="name"/> can be an environment variable name (what connectionSecret and
    /// Observers:ConnectionSecrets hold).</summary>
    internal static bool IsSecretName(string name) => SecretName().IsMatch(name);

    [GeneratedRegex(@"^\s*(SELECT|WITH)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QueryStart();

    [GeneratedRegex(@"\b(COPY|DO|CALL|dblink\w*|pg_read_file|pg_read_binary_file|pg_ls_\w+|pg_stat_file|lo_import|lo_export|pg_terminate_backend|pg_cancel_backend|set_config)\b|\bU&",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ForbiddenSql();
}
