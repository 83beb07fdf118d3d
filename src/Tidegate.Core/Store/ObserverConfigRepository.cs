using System.Text.Json;
using Tidegate.Core.Observers;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

/// <summary>An observer configured through the API (it overrides the stack's). <see cref="Settings"/> holds the
/// parser's key/value pairs; the row is encrypted as a whole. <see cref="Author"/> is the role that configured it (what it may do
/// depends on it: regular expressions only for admins); it is kept inside the encrypted row, so it cannot be changed in the
/// database file without the secret key. Rows written before it was recorded read as <see cref="ObserverAuthor.Operator"/>.</summary>
internal sealed record ObserverConfigRecord(
    string DeploymentId, IReadOnlyDictionary<string, string?> Settings, string UpdatedBy, DateTimeOffset UpdatedAt, ObserverAuthor Author);

internal sealed class ObserverConfigRepository(StoreDatabase db, SecretProtector protector, TimeProvider time)
{
    public async Task<ObserverConfigRecord?> GetAsync(string deploymentId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync("SELECT deployment_id, settings, updated_by, updated_at FROM deployment_observers WHERE deployment_id = @d",
            r =>
            {
                var settings = JsonSerializer.Deserialize<Dictionary<string, string?>>(protector.Unprotect(r.Str("settings"), AssociatedData(deploymentId)))!;
                var author = settings.Remove(AuthorKey, out var role) && Enum.TryParse<ObserverAuthor>(role, out var parsed) && Enum.IsDefined(parsed)
                    ? parsed : ObserverAuthor.Operator;
                return new ObserverConfigRecord(r.Str("deployment_id"), settings, r.Str("updated_by"), r.Time("updated_at"), author);
            },
            ct, ("@d", deploymentId));
    }

    /// <summary>When each API configuration last changed, by deployment (the observer host restarts what changed).</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> StampsAsync(CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var rows = await uow.QueryAsync("SELECT deployment_id, updated_at FROM deployment_observers", r => (r.Str("deployment_id"), r.Time("updated_at")), ct);
        return rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
    }

    public async Task<ObserverConfigRecord> SetAsync(
        string deploymentId, IReadOnlyDictionary<string, string?> settings, string updatedBy, ObserverAuthor author, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var now = time.GetUtcNow();
        var row = new Dictionary<string, string?>(settings, StringComparer.Ordinal) { [AuthorKey] = author.ToString() };
        var stored = protector.Protect(JsonSerializer.Serialize(row), AssociatedData(deploymentId));
        await using var uow = await db.BeginAsync(ct);
        await uow.ExecuteAsync("""
            INSERT INTO deployment_observers (deployment_id, settings, updated_by, updated_at) VALUES (@d, @s, @by, @at)
            ON CONFLICT (deployment_id) DO UPDATE SET settings = excluded.settings, updated_by = excluded.updated_by, updated_at = excluded.updated_at
            """, ct, ("@d", deploymentId), ("@s", stored), ("@by", updatedBy), ("@at", now));
        await uow.CommitAsync(ct);
        return new ObserverConfigRecord(deploymentId, settings, updatedBy, now, author);
    }

    public async Task<bool> DeleteAsync(string deploymentId, CancellationToken ct)
    {
        await using var uow = await db.BeginAsync(ct);
        var n = await uow.ExecuteAsync("DELETE FROM deployment_observers WHERE deployment_id = @d", ct, ("@d", deploymentId));
        await uow.CommitAsync(ct);
        return n > 0;
    }

    /// <summary>Not a setting name the parser knows, so it can never come from a request body.</summary>
    private const string AuthorKey = "@author";

    private static string AssociatedData(string deploymentId) => $"deployment_observers/{deploymentId}";
}
