using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace Tidegate.Core.Observers;

/// <summary>A probe failed (unreachable, timed out, bad answer); shown as observer health, never a mode change.</summary>
internal sealed class ObserverProbeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads the external signal once and returns the observed value (null: the source has no value, e.g. SQL NULL).</summary>
internal interface IObserverProbe
{
    Task<string?> ReadAsync(ObserverSettings settings, CancellationToken ct);
}

/// <summary>The probe for each type: real PostgreSQL (Npgsql), HTTP and files.</summary>
internal sealed class ObserverProbes(HttpClient http) : IObserverProbe
{
    public Task<string?> ReadAsync(ObserverSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Type switch
        {
            ObserverType.SqlQuery => SqlQueryAsync(settings, ct),
            ObserverType.SqlExtendedProperty => SqlPropertyAsync(settings, ct),
            ObserverType.Http => HttpAsync(settings, ct),
            _ => FileAsync(settings, ct),
        };
    }

    /// <summary>One scalar: the first column of the first row (no row: null).</summary>
    private static async Task<string?> SqlQueryAsync(ObserverSettings s, CancellationToken ct)
    {
        return await WithConnectionAsync(s, async connection =>
        {
            await using var command = new NpgsqlCommand(s.Query, connection) { CommandTimeout = TimeoutSeconds(s) };
            return Text(await command.ExecuteScalarAsync(ct));
        }, ct);
    }

    /// <summary>PostgreSQL has no extended properties; the mapping is a custom database setting
    /// (<c>ALTER DATABASE db SET ams.maintenancemode = '1'</c>) read from the catalog (pg_db_role_setting, database-wide
    /// entry), so a change is seen at the next poll (current_setting would only show it to new sessions).</summary>
    private static async Task<string?> SqlPropertyAsync(ObserverSettings s, CancellationToken ct)
    {
        return await WithConnectionAsync(s, async connection =>
        {
            const string sql = """
                SELECT unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                WHERE d.datname = current_database() AND s.setrole = 0
                """;
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = TimeoutSeconds(s) };
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var entry = reader.GetString(0);
                var eq = entry.IndexOf('=', StringComparison.Ordinal);
                // Setting names are case-insensitive in PostgreSQL (stored lower-case unless quoted).
                if (eq > 0 && string.Equals(entry[..eq], s.PropertyName, StringComparison.OrdinalIgnoreCase))
                {
                    return entry[(eq + 1)..];
                }
            }

            return null;
        }, ct);
    }

    private static async Task<string?> WithConnectionAsync(ObserverSettings s, Func<NpgsqlConnection, Task<string?>> body, CancellationToken ct)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(s.ConnectionString) { Timeout = TimeoutSeconds(s) };
        }
        catch (ArgumentException ex)
        {
            throw new ObserverProbeException($"the connection string is not valid: {ex.Message}");
        }

        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(ct);
            return await body(connection);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The message names host and database, never the password (Npgsql does not echo it).
            throw new ObserverProbeException($"PostgreSQL: {ex.Message}", ex);
        }
    }

    private async Task<string?> HttpAsync(ObserverSettings s, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(new Uri(s.Url!), HttpCompletionOption.ResponseContentRead, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new ObserverProbeException($"GET {s.Url}: {ex.Message}", ex);
        }

        using (response)
        {
            if (s.Source == HttpValueSource.Status)
            {
                return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }

            var body = await response.Content.ReadAsStringAsync(ct);
            if (s.Source == HttpValueSource.Body)
            {
                return body.Trim();
            }

            try
            {
                using var document = JsonDocument.Parse(body);
                return JsonValue(document.RootElement, s.JsonPath!);
            }
            catch (JsonException ex)
            {
                throw new ObserverProbeException($"GET {s.Url} answered {(int)response.StatusCode} with a body that is not JSON: {ex.Message}");
            }
        }
    }

    /// <summary>A simple JSON path: <c>$.a.b[0].c</c> or <c>a.b</c>. Missing: null.</summary>
    internal static string? JsonValue(JsonElement root, string path)
    {
        var current = root;
        var text = path.Trim();
        text = text.StartsWith('$') ? text[1..] : text;
        foreach (var raw in text.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var part = raw;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? part : part[..bracket];
            if (name.Length > 0)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
                {
                    return null;
                }
            }

            while (bracket >= 0)
            {
                var close = part.IndexOf(']', bracket);
                if (close < 0 || !int.TryParse(part[(bracket + 1)..close], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw new ObserverProbeException($"jsonPath '{path}' is not valid at '{raw}'");
                }

                if (current.ValueKind != JsonValueKind.Array || index >= current.GetArrayLength())
                {
                    return null;
                }

                current = current[index];
                part = part[(close + 1)..];
                bracket = part.IndexOf('[', StringComparison.Ordinal);
            }
        }

        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => current.GetRawText(),
        };
    }

    /// <summary>"exists"/"missing" when the settings compare existence; otherwise the trimmed content.</summary>
    private static async Task<string?> FileAsync(ObserverSettings s, CancellationToken ct)
    {
        var path = s.Path!;
        if (ComparesExistence(s))
        {
            return File.Exists(path) ? "exists" : "missing";
        }

        try
        {
            return (await File.ReadAllTextAsync(path, ct)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ObserverProbeException($"cannot read {path}: {ex.Message}", ex);
        }
    }

    internal static bool ComparesExistence(ObserverSettings s) =>
        s.Match == ValueMatch.Equals && (s.MaintenanceValue is "exists" or "missing" || s.NormalValue is "exists" or "missing");

    private static int TimeoutSeconds(ObserverSettings s) => Math.Max(1, (int)Math.Ceiling(s.Timeout.TotalSeconds));

    private static string? Text(object? value) => value switch
    {
        null or DBNull => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
