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

    public string? ConnectionString { get; init; }

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

    /// <summary>How the settings are shown: the connection string masked, durations as text.</summary>
    public IReadOnlyDictionary<string, string?> ToDisplay(string mask)
    {
        var values = new SortedDictionary<string, string?>(StringComparer.Ordinal)
        {
            ["type"] = ObserverSettingsParser.TypeName(Type),
            ["maintenanceValue"] = MaintenanceValue,
            ["pollingInterval"] = ObserverSettingsParser.FormatDuration(PollingInterval),
            ["timeout"] = ObserverSettingsParser.FormatDuration(Timeout),
            ["stablePolls"] = StablePolls.ToString(CultureInfo.InvariantCulture),
            ["match"] = Match == ValueMatch.Regex ? "regex" : "equals",
        };
        Add(values, "normalValue", NormalValue);
        Add(values, "connectionString", ConnectionString is null ? null : mask);
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

    /// <summary>The settings as the parser reads them, secrets in clear (what the store encrypts).</summary>
    public IReadOnlyDictionary<string, string?> ToStored()
    {
        var values = new Dictionary<string, string?>(ToDisplay(string.Empty), StringComparer.Ordinal);
        if (ConnectionString is not null)
        {
            values["connectionString"] = ConnectionString;
        }

        return values;
    }

    private static void Add(SortedDictionary<string, string?> values, string key, string? value)
    {
        if (value is not null)
        {
            values[key] = value;
        }
    }
}

/// <summary>Reads observer settings from flat key/value pairs (the YAML section or the API body) with an error per field.</summary>
internal static partial class ObserverSettingsParser
{
    public static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromSeconds(1);

    private static readonly string[] Known =
    [
        "type", "connectionString", "propertyName", "query", "url", "source", "jsonPath", "path", "match", "maintenanceValue", "normalValue",
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
            Error(key, $"unknown observer setting '{key}'; known: {string.Join(", ", Known)}");
        }

        ObserverType? type = Get("type") switch
        {
            null => null,
            "sqlQuery" => ObserverType.SqlQuery,
            "sqlExtendedProperty" => ObserverType.SqlExtendedProperty,
            "http" => ObserverType.Http,
            "file" => ObserverType.File,
            var other => null,
        };
        if (type is null)
        {
            Error("type", Get("type") is { } given
                ? $"unknown observer type '{given}'; expected sqlQuery, sqlExtendedProperty, http or file"
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
            var other => Invalid(ValueMatch.Equals, () => Error("match", $"match must be equals or regex, got '{other}'")),
        };
        if (match == ValueMatch.Regex)
        {
            foreach (var key in new[] { "maintenanceValue", "normalValue" })
            {
                if (Get(key) is { } pattern && !IsRegex(pattern, out var why))
                {
                    Error(key, $"'{pattern}' is not a regular expression: {why}");
                }
            }
        }

        var interval = Duration(Get("pollingInterval"), "pollingInterval", TimeSpan.FromSeconds(30), Error);
        if (interval < MinimumPollingInterval)
        {
            Error("pollingInterval", $"pollingInterval must be at least 1s, got '{Get("pollingInterval")}'");
        }

        var timeout = Duration(Get("timeout"), "timeout", TimeSpan.FromSeconds(Math.Clamp(interval.TotalSeconds, 5, 10)), Error);
        if (timeout <= TimeSpan.Zero)
        {
            Error("timeout", "timeout must be positive");
        }

        var stable = 1;
        if (Get("stablePolls") is { } stableText && (!int.TryParse(stableText, NumberStyles.None, CultureInfo.InvariantCulture, out stable) || stable is < 1 or > 100))
        {
            Error("stablePolls", $"stablePolls must be a whole number from 1 to 100, got '{stableText}'");
        }

        var source = HttpValueSource.Status;
        switch (type)
        {
            case ObserverType.SqlQuery:
                Require("connectionString");
                Require("query");
                break;
            case ObserverType.SqlExtendedProperty:
                Require("connectionString");
                if (Require("propertyName") is { } property && !PropertyName().IsMatch(property))
                {
                    Error("propertyName", $"propertyName must look like prefix.name (a PostgreSQL custom setting), got '{property}'");
                }

                break;
            case ObserverType.Http:
                if (Require("url") is { } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
                {
                    Error("url", $"url must be an absolute http or https URL, got '{url}'");
                }

                source = Get("source") switch
                {
                    null => Get("jsonPath") is null ? HttpValueSource.Status : HttpValueSource.JsonPath,
                    "status" => HttpValueSource.Status,
                    "body" => HttpValueSource.Body,
                    "jsonPath" => HttpValueSource.JsonPath,
                    var other => Invalid(HttpValueSource.Status, () => Error("source", $"source must be status, body or jsonPath, got '{other}'")),
                };
                if (source == HttpValueSource.JsonPath && Get("jsonPath") is null)
                {
                    Error("jsonPath", "jsonPath is required when source is jsonPath (for example $.maintenance)");
                }

                break;
            case ObserverType.File:
                if (Require("path") is { } path && !System.IO.Path.IsPathRooted(path))
                {
                    Error("path", $"path must be absolute, got '{path}'");
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
            ConnectionString = Get("connectionString"),
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
    }

    /// <summary>"30s", "2m", "1h", "1m30s", "1500ms", plain seconds ("30") or hh:mm:ss.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds is >= 0 and < 1e9 ? TimeSpan.FromSeconds(seconds) : null;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero ? span : null;
        }

        var parts = DurationPart().Matches(text);
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)) != text)
        {
            return null;
        }

        var total = TimeSpan.Zero;
        foreach (Match p in parts)
        {
            var n = double.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture);
            total += p.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromHours(n),
            };
        }

        return total;
    }

    public static string FormatDuration(TimeSpan value) => value.TotalMilliseconds % 1000 != 0
        ? value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms"
        : value.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";

    private static TimeSpan Duration(string? text, string field, TimeSpan fallback, Action<string, string> error)
    {
        if (text is null)
        {
            return fallback;
        }

        if (ParseDuration(text) is { } value)
        {
            return value;
        }

        error(field, $"{field} must be a duration such as 30s, 2m, 1m30s or 1500ms, got '{text}'");
        return fallback;
    }

    private static T Invalid<T>(T fallback, Action report)
    {
        report();
        return fallback;
    }

    private static bool IsRegex(string pattern, out string? error)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            error = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")]
    private static partial Regex DurationPart();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)+$")]
    private static partial Regex PropertyName();
}
