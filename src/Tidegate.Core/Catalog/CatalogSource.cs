namespace Tidegate.Core.Catalog;

internal enum CatalogSourceKind
{
    Directory,
    Git,
}

/// <summary>Username and token (or password) for an HTTPS git remote. Handed to git only through its
/// environment, never through arguments or the URL.</summary>
internal sealed record GitCredentials(string Username, string Secret)
{
    public override string ToString() => $"GitCredentials {{ Username = {Username}, Secret = *** }}";
}

/// <summary>A configured source of stack definitions. <see cref="Location"/> is a directory path for
/// <see cref="CatalogSourceKind.Directory"/> and a URL without credentials for <see cref="CatalogSourceKind.Git"/>.</summary>
internal sealed record CatalogSourceDefinition
{
    public required string Id { get; init; }
    public required CatalogSourceKind Kind { get; init; }
    public required string Location { get; init; }
    public string? Branch { get; init; }
    public string? Tag { get; init; }
    /// <summary>Relative folder inside the directory or repository that holds the stacks.</summary>
    public string? SubPath { get; init; }
    /// <summary>How often the periodic sync refreshes this source; <see cref="TimeSpan.Zero"/> means on demand only.</summary>
    public TimeSpan SyncInterval { get; init; }
    public GitCredentials? Credentials { get; init; }
}

internal sealed record SyncError(string Message, DateTimeOffset At);

/// <summary>What the catalog knows about one source: the last attempt, the last success, the last error
/// (cleared by the next success) and counts of the content that is currently served.</summary>
internal sealed record CatalogSourceStatus(
    CatalogSourceDefinition Definition,
    DateTimeOffset? LastSyncAttemptAt,
    DateTimeOffset? LastSyncedAt,
    SyncError? LastError,
    string? Revision,
    int ProductCount,
    int VersionCount,
    int BrokenCount)
{
    public string Id => Definition.Id;
}

/// <summary>The outcome of one sync. A failed sync leaves the previous content in place.</summary>
internal sealed record SourceSyncResult(string SourceId, bool Succeeded, SyncError? Error, int VersionCount, int BrokenCount);

internal sealed class SourceSyncedEventArgs(SourceSyncResult result) : EventArgs
{
    public SourceSyncResult Result { get; } = result;
}

/// <summary>A sync failed for a reason worth showing to the operator as is (missing directory, git
/// error). The message never contains credentials.</summary>
internal sealed class CatalogSyncException(string message, Exception? innerException = null) : Exception(message, innerException);

internal sealed class UnknownCatalogSourceException(string sourceId)
    : Exception($"Catalog source '{sourceId}' is not configured.")
{
    public string SourceId { get; } = sourceId;
}
