using System.Text.Json;

namespace Tidegate.Cli.Client;

internal sealed class CliContext
{
    public string Server { get; set; } = "";
    public string? Username { get; set; }
    public string? Token { get; set; }
    public string? TokenId { get; set; }
}

/// <summary>~/.config/tidegate/config.json: named contexts (server + token) and the current one. The file
/// holds tokens, so it is written with mode 0600 in a 0700 directory.</summary>
internal sealed class CliConfig
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string? Current { get; set; }

    public Dictionary<string, CliContext> Contexts { get; set; } = new(StringComparer.Ordinal);

    public static string PathIn(CliIO io) => System.IO.Path.Combine(io.ConfigDirectory, "config.json");

    public static CliConfig Load(CliIO io)
    {
        var path = PathIn(io);
        if (!File.Exists(path))
        {
            return new CliConfig();
        }
        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(path), Json) ?? new CliConfig();
        }
        catch (JsonException ex)
        {
            throw new CliException(ExitCodes.Usage, $"{path} is not valid JSON: {ex.Message}");
        }
    }

    public void Save(CliIO io)
    {
        var path = PathIn(io);
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
            return;
        }
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(stream, this, Json);
        }
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The context to talk to: TIDEGATE_SERVER/TIDEGATE_TOKEN (for CI) win over the current context.</summary>
    public static CliContext Resolve(CliIO io)
    {
        var server = io.GetEnvironmentVariable("TIDEGATE_SERVER");
        var token = io.GetEnvironmentVariable("TIDEGATE_TOKEN");
        if (!string.IsNullOrEmpty(server) && !string.IsNullOrEmpty(token))
        {
            return new CliContext { Server = server, Token = token };
        }
        var config = Load(io);
        if (config.Current is { } current && config.Contexts.TryGetValue(current, out var context) && context.Token is not null)
        {
            return context;
        }
        throw new CliException(ExitCodes.NotAuthenticated, "Not logged in: run 'tidegate login --server URL --username NAME' (or set TIDEGATE_SERVER and TIDEGATE_TOKEN).");
    }
}
