using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Tidegate.Core.Observers;

/// <summary>A probe failed (unreachable, timed out, not allowed, bad answer); shown as observer health, never a mode change.
/// Carries only an <see cref="ObserverError"/>: nothing of the foreign system's answer or exception text.</summary>
internal sealed class ObserverProbeException(ObserverError error) : Exception(error.ToString())
{
    public ObserverError Error { get; } = error;
}

/// <summary>Reads the external signal once and returns the observed value (null: the source has no value, e.g. SQL NULL).</summary>
internal interface IObserverProbe
{
    Task<string?> ReadAsync(ObserverSettings settings, CancellationToken ct);
}

/// <summary>The probe for each type: real PostgreSQL (Npgsql), HTTP and files, within what <paramref name="policy"/> allows (checked
/// again at every poll: a link or a DNS answer may change after the observer was configured). <paramref name="http"/> should come
/// from <see cref="ObserverHttp.CreateClient"/>, which checks the addresses it connects to and follows no redirect.
/// <paramref name="secrets"/> reads an environment secret by name at each poll (the connection string of SQL observers), so a
/// secret the admin rotates is used from the next poll on; only a name listed in <see cref="ObserverPolicy.ConnectionSecrets"/> is read.</summary>
internal sealed class ObserverProbes(HttpClient http, ObserverPolicy policy, Func<string, CancellationToken, Task<string?>>? secrets = null)
    : IObserverProbe
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

    /// <summary>One scalar: the first column of the first row (no row: null), in a read-only transaction.</summary>
    private async Task<string?> SqlQueryAsync(ObserverSettings s, CancellationToken ct)
    {
        return await WithConnectionAsync(s, async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(ct);
            }

            await using var command = new NpgsqlCommand(s.Query, connection, transaction) { CommandTimeout = TimeoutSeconds(s) };
            var value = Text(await command.ExecuteScalarAsync(ct));
            await transaction.RollbackAsync(ct);
            return value;
        }, ct);
    }

    /// <summary>PostgreSQL has no extended properties; the mapping is a custom database setting
    /// (<c>ALTER DATABASE db SET ams.maintenancemode = '1'</c>) read from the catalog (pg_db_role_setting, database-wide
    /// entry), so a change is seen at the next poll (current_setting would only show it to new sessions).</summary>
    private async Task<string?> SqlPropertyAsync(ObserverSettings s, CancellationToken ct)
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

    private async Task<string?> WithConnectionAsync(ObserverSettings s, Func<NpgsqlConnection, Task<string?>> body, CancellationToken ct)
    {
        // Checked again at every poll: a secret the admin no longer lists is not used, whether the observer came from the API or a stack.
        if (s.ConnectionSecret is { } listed && policy.SecretRefusal(listed) is { } unlisted)
        {
            throw new ObserverProbeException(unlisted);
        }

        var connectionString = s.ConnectionString
                               ?? (s.ConnectionSecret is { } name && secrets is not null ? await secrets(name, ct) : null)
                               ?? throw new ObserverProbeException(ObserverErrors.SecretMissing(s.ConnectionSecret ?? "(none)"));
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = TimeoutSeconds(s) };
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            throw new ObserverProbeException(ObserverErrors.SecretNotAConnectionString);
        }

        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(ct);
            return await body(connection);
        }
        catch (PostgresException ex)
        {
            throw new ObserverProbeException(ObserverErrors.Sql(ex.SqlState));
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException or ArgumentException)
        {
            throw new ObserverProbeException(ObserverErrors.Sql(null));
        }
    }

    private async Task<string?> HttpAsync(ObserverSettings s, CancellationToken ct)
    {
        var url = new Uri(s.Url!);
        if (policy.HostRefusal(url) is { } refused)
        {
            throw new ObserverProbeException(refused);
        }

        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new ObserverProbeException(ex.InnerException is ObserverProbeException inner ? inner.Error : ObserverErrors.HttpUnreachable);
        }

        using (response)
        {
            if (s.Source == HttpValueSource.Status)
            {
                return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }

            var body = await ReadCappedAsync(response.Content, policy.MaxHttpBodyBytes, ct);
            if (s.Source == HttpValueSource.Body)
            {
                return body.Trim();
            }

            try
            {
                using var document = JsonDocument.Parse(body);
                return JsonValue(document.RootElement, s.JsonPath!);
            }
            catch (JsonException)
            {
                throw new ObserverProbeException(ObserverErrors.HttpNotJson);
            }
        }
    }

    /// <summary>At most <paramref name="max"/> bytes of the body: a larger one is refused after reading one byte more, never
    /// buffered whole.</summary>
    private static async Task<string> ReadCappedAsync(HttpContent content, int max, CancellationToken ct)
    {
        if (content.Headers.ContentLength > max)
        {
            throw new ObserverProbeException(ObserverErrors.HttpBodyTooLarge(max));
        }

        var buffer = new byte[max + 1];
        var read = 0;
        try
        {
            await using var stream = await content.ReadAsStreamAsync(ct);
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0)
            {
                read += n;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new ObserverProbeException(ObserverErrors.HttpUnreachable);
        }

        if (read > max)
        {
            throw new ObserverProbeException(ObserverErrors.HttpBodyTooLarge(max));
        }

        return Encoding.UTF8.GetString(buffer, 0, read);
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
                    throw new ObserverProbeException(ObserverErrors.JsonPathInvalid);
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

    /// <summary>"exists"/"missing" when the settings compare existence; otherwise the trimmed content of a small regular file.
    /// The path is checked against the allowed roots before anything is looked at; then its real path is looked at without following
    /// a link (a link swapped in after the check is judged by where it leads), a device, FIFO or socket is refused before opening,
    /// and the opened file's real path is checked again after opening.</summary>
    private async Task<string?> FileAsync(ObserverSettings s, CancellationToken ct)
    {
        var path = s.Path!;
        if (ComparesExistence(s))
        {
            return Existence(policy, path);
        }

        var (kind, real) = Look(policy, path);
        switch (kind)
        {
            case FileKind.Missing:
                throw new ObserverProbeException(ObserverErrors.FileMissing);
            case FileKind.Directory or FileKind.Special:
                throw new ObserverProbeException(ObserverErrors.FileNotRegular);
            case FileKind.Unknown:
                throw new ObserverProbeException(ObserverErrors.FileUnreadable);
        }

        try
        {
            await using var stream = new FileStream(real, new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, BufferSize = 0,
            });
            if (OpenedPath(stream) is { } opened && policy.FileRefusal(opened) is { } escaped)
            {
                throw new ObserverProbeException(escaped);
            }

            if (!stream.CanSeek)
            {
                throw new ObserverProbeException(ObserverErrors.FileNotRegular);
            }

            var max = policy.MaxFileBytes;
            if (stream.Length > max)
            {
                throw new ObserverProbeException(ObserverErrors.FileTooLarge(max));
            }

            var buffer = new byte[max + 1];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0)
            {
                read += n;
            }

            return read > max
                ? throw new ObserverProbeException(ObserverErrors.FileTooLarge(max))
                : Encoding.UTF8.GetString(buffer, 0, read).Trim();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObserverProbeException(ObserverErrors.FileMissing);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ObserverProbeException(ObserverErrors.FileUnreadable);
        }
    }

    /// <summary>The existence answer of a file observer: "exists" for anything but a directory at the real path, looked at without
    /// following a link; a link that leads outside the allowed roots is refused, never answered as "exists" or "missing".</summary>
    internal static string Existence(ObserverPolicy policy, string path) => Look(policy, path).Kind switch
    {
        FileKind.Missing or FileKind.Directory => "missing",
        FileKind.Unknown => throw new ObserverProbeException(ObserverErrors.FileUnreadable),
        _ => "exists",
    };

    /// <summary>The kind of what <paramref name="path"/> really names and that real path, after the roots check. A link found at the
    /// checked real path was swapped in after the check: the path is checked once more (refused when the link leaves the roots), and a
    /// link found again is refused (it keeps changing).</summary>
    private static (FileKind Kind, string Real) Look(ObserverPolicy policy, string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (policy.FileRefusal(path, out var real) is { } refused)
            {
                throw new ObserverProbeException(refused);
            }

            var kind = FileKinds.Of(real!);
            if (kind != FileKind.Link)
            {
                return (kind, real!);
            }

            if (attempt > 0)
            {
                throw new ObserverProbeException(ObserverErrors.FileNotAllowed($"'{path}' changed (a link was swapped in) while it was checked"));
            }
        }
    }

    /// <summary>The real path of an open file as the kernel names it (Linux: /proc/self/fd); null elsewhere.</summary>
    private static string? OpenedPath(FileStream stream)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var descriptor = stream.SafeFileHandle.DangerousGetHandle().ToInt64().ToString(CultureInfo.InvariantCulture);
        try
        {
            return new FileInfo($"/proc/self/fd/{descriptor}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
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
