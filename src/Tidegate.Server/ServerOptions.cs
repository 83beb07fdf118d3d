using Microsoft.Extensions.Options;

namespace Tidegate.Server;

/// <summary>Settings of <c>tidegate serve</c>, from appsettings.json, TIDEGATE_* environment variables
/// and the command line (later sources win).</summary>
public sealed class ServerOptions
{
    /// <summary>Where the store, the secret key file and caches live. Relative paths are taken from the
    /// working directory.</summary>
    public string DataDirectory { get; set; } = "data";
}

internal sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
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
            return ValidateOptionsResult.Fail($"DataDirectory '{options.DataDirectory}' cannot be created: {e.Message}");
        }
        return ValidateOptionsResult.Success;
    }
}
