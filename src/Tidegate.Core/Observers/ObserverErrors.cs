namespace Tidegate.Core.Observers;

/// <summary>Why an observer could not read its signal: a stable <see cref="Code"/> and a message Tidegate wrote itself. Nothing
/// in it comes from the observed file, the remote's answer or a foreign exception text: viewers read it, and an observer must not
/// become a way to read what its author may not.</summary>
internal sealed record ObserverError(string Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>The error codes (documented in docs/modes.md, "Observer health").</summary>
internal static class ObserverErrors
{
    public static ObserverError FileNotAllowed(string why) => new("file-not-allowed", why);

    public static readonly ObserverError FileMissing = new("file-missing", "the file does not exist");

    public static readonly ObserverError FileUnreadable = new("file-unreadable", "the file cannot be read");

    public static readonly ObserverError FileNotRegular = new("file-not-regular", "the path is not a regular file");

    public static ObserverError FileTooLarge(int max) => new("file-too-large", $"the file is larger than {max} bytes");

    public static ObserverError HostNotAllowed(string why) => new("http-host-not-allowed", why);

    public static ObserverError AddressNotAllowed(string why) => new("http-address-not-allowed", why);

    public static readonly ObserverError HttpUnreachable = new("http-unreachable", "the URL could not be reached");

    public static ObserverError HttpBodyTooLarge(int max) => new("http-body-too-large", $"the answer's body is larger than {max} bytes");

    public static readonly ObserverError HttpNotJson = new("http-not-json", "the answer's body is not JSON");

    public static readonly ObserverError JsonPathInvalid = new("json-path-invalid", "jsonPath is not valid");

    /// <summary>The one answer for a connection secret that is not listed in <c>Observers:ConnectionSecrets</c> and for one that is
    /// listed but is no secret variable of the environment: the two cannot be told apart, so the answer reveals no secret's name.</summary>
    public static ObserverError SecretMissing(string name) =>
        new("sql-secret-missing", $"'{name}' is not a connection secret observers may use: it must be listed in the server setting "
                                  + "Observers:ConnectionSecrets and be a secret variable of the deployment's environment (an admin sets it with "
                                  + "PUT /api/environments/{id}/variables, secret: true)");

    public static readonly ObserverError SecretNotAConnectionString = new("sql-secret-invalid", "the connection secret is not a valid connection string");

    public static ObserverError Sql(string? sqlState) => new("sql-failed", sqlState is { Length: 5 } && sqlState.All(char.IsAsciiLetterOrDigit)
        ? $"PostgreSQL refused the connection or the query (SQLSTATE {sqlState})"
        : "PostgreSQL could not be reached or did not answer");

    public static ObserverError Timeout(string within) => new("timeout", $"no answer within {within}");

    public static readonly ObserverError UnknownValue = new("unknown-value", "the value is neither the maintenance nor the normal value");

    public static readonly ObserverError PollFailed = new("poll-failed", "the poll failed inside Tidegate (see the server log)");

    public static readonly ObserverError ModeChangeFailed = new("mode-change-failed", "the mode could not be changed (see the server log)");

    public static ObserverError Invalid(string detail) => new("invalid", "the observer is not valid: " + detail);
}
