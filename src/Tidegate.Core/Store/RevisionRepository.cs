using System.Data.Common;
using System.Text.Json;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

internal enum RevisionOutcome
{
    Pending,
    Succeeded,
    Failed,
    RolledBack,
}

/// <summary>What a deploy, redeploy, upgrade or rollback attempt is about to run.
/// ImageDigests maps each image reference to the digest that actually ran.</summary>
internal sealed record NewRevision(
    string DeploymentId, string StackId, string Version, string Definition,
    IReadOnlyList<VariableValue> Variables, IReadOnlyDictionary<string, string> ImageDigests,
    string CreatedBy, string Reason);

/// <summary>An immutable revision. <see cref="Variables"/> carries secrets masked; the clear values
/// come only from <see cref="RevisionRepository.GetVariablesWithSecretsAsync"/>.</summary>
internal sealed record Revision(
    string DeploymentId, int Number, string StackId, string Version, string Definition,
    IReadOnlyList<VariableValue> Variables, IReadOnlyDictionary<string, string> ImageDigests,
    string CreatedBy, DateTimeOffset CreatedAt, string Reason, RevisionOutcome Outcome, DateTimeOffset? OutcomeAt);

/// <summary>The outcome of a revision is written once; a second write is a bug in the caller.</summary>
internal sealed class RevisionOutcomeAlreadySetException(string deploymentId, int number, RevisionOutcome outcome)
    : InvalidOperationException($"Revision {number} of deployment {deploymentId} already has outcome {outcome}; revisions are immutable.");

/// <summary>Revisions are insert-only: the only change after insert is the outcome, set once from Pending.</summary>
internal sealed class RevisionRepository(StoreDatabase db, SecretProtector protector, TimeProvider time)
{
    public const int DefaultRetention = 10;

    private const string Columns =
        "deployment_id, number, stack_id, version, definition, variables, image_digests, created_by, created_at, reason, outcome, outcome_at";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Inserts the next revision (1, 2, 3… per deployment) with outcome Pending.</summary>
    public async Task<Revision> AddAsync(NewRevision revision, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var uow = await db.BeginAsync(ct);
        var number = (int)(await uow.ScalarAsync<long?>(
            "SELECT MAX(number) FROM revisions WHERE deployment_id = @d", ct, ("@d", revision.DeploymentId)) ?? 0) + 1;
        var variables = revision.Variables
            .Select(v => new StoredVariable(v.Name, v.IsSecret ? protector.Protect(v.Value, AssociatedData(revision.DeploymentId, number, v.Name)) : v.Value, v.IsSecret))
            .ToList();
        await uow.ExecuteAsync(
            $"INSERT INTO revisions ({Columns}) VALUES (@d, @n, @stack, @version, @definition, @vars, @digests, @by, @at, @reason, @outcome, NULL)",
            ct, ("@d", revision.DeploymentId), ("@n", number), ("@stack", revision.StackId), ("@version", revision.Version),
            ("@definition", revision.Definition), ("@vars", JsonSerializer.Serialize(variables, Json)),
            ("@digests", JsonSerializer.Serialize(revision.ImageDigests, Json)), ("@by", revision.CreatedBy), ("@at", now),
            ("@reason", revision.Reason), ("@outcome", RevisionOutcome.Pending));
        await uow.CommitAsync(ct);
        return new Revision(revision.DeploymentId, number, revision.StackId, revision.Version, revision.Definition,
            Mask(variables), revision.ImageDigests, revision.CreatedBy, now, revision.Reason, RevisionOutcome.Pending, null);
    }

    public async Task<Revision?> GetAsync(string deploymentId, int number, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM revisions WHERE deployment_id = @d AND number = @n",
            Map, ct, ("@d", deploymentId), ("@n", number));
    }

    /// <summary>Newest first.</summary>
    public async Task<PagedResult<Revision>> ListAsync(string deploymentId, Page page, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync(
            $"SELECT {Columns} FROM revisions WHERE deployment_id = @d ORDER BY number DESC LIMIT @limit OFFSET @offset",
            Map, ct, ("@d", deploymentId), ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>("SELECT COUNT(*) FROM revisions WHERE deployment_id = @d", ct, ("@d", deploymentId));
        return new PagedResult<Revision>(items, total, page.SafeLimit, page.SafeOffset);
    }

    /// <summary>The revision's variable values with secrets decrypted, for a redeploy or rollback. Null when the revision does not exist.</summary>
    public async Task<IReadOnlyList<VariableValue>?> GetVariablesWithSecretsAsync(string deploymentId, int number, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var json = await uow.ScalarAsync<string>("SELECT variables FROM revisions WHERE deployment_id = @d AND number = @n",
            ct, ("@d", deploymentId), ("@n", number));
        return json is null
            ? null
            : [.. Read(json).Select(v => new VariableValue(v.Name,
                v.Secret ? protector.Unprotect(v.Value, AssociatedData(deploymentId, number, v.Name)) : v.Value, v.Secret))];
    }

    /// <summary>Sets the outcome of a Pending revision, once. Returns false when the revision does not exist.</summary>
    public async Task<bool> SetOutcomeAsync(string deploymentId, int number, RevisionOutcome outcome, CancellationToken ct)
    {
        if (outcome == RevisionOutcome.Pending)
        {
            throw new ArgumentException("A revision's outcome can only be set to a final value.", nameof(outcome));
        }

        await using var uow = await db.OpenAsync(ct);
        var changed = await uow.ExecuteAsync(
            "UPDATE revisions SET outcome = @outcome, outcome_at = @at WHERE deployment_id = @d AND number = @n AND outcome = @pending",
            ct, ("@d", deploymentId), ("@n", number), ("@outcome", outcome), ("@at", time.GetUtcNow()), ("@pending", RevisionOutcome.Pending));
        if (changed == 1)
        {
            return true;
        }

        var existing = await uow.ScalarAsync<string>("SELECT outcome FROM revisions WHERE deployment_id = @d AND number = @n",
            ct, ("@d", deploymentId), ("@n", number));
        return existing is null
            ? false
            : throw new RevisionOutcomeAlreadySetException(deploymentId, number, Enum.Parse<RevisionOutcome>(existing));
    }

    /// <summary>Deletes revisions beyond the newest <paramref name="keep"/>, never the deployment's
    /// current revision nor its last successful one. Returns the deleted numbers.</summary>
    public async Task<IReadOnlyList<int>> ApplyRetentionAsync(string deploymentId, int keep, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        await using var uow = await db.OpenAsync(ct);
        var deleted = await uow.QueryAsync("""
            DELETE FROM revisions
            WHERE deployment_id = @d
              AND number NOT IN (SELECT number FROM revisions WHERE deployment_id = @d ORDER BY number DESC LIMIT @keep)
              AND number <> COALESCE((SELECT current_revision FROM deployments WHERE id = @d), -1)
              AND number <> COALESCE((SELECT last_successful_revision FROM deployments WHERE id = @d), -1)
            RETURNING number
            """, r => r.Int("number"), ct, ("@d", deploymentId), ("@keep", keep));
        deleted.Sort();
        return deleted;
    }

    private static string AssociatedData(string deploymentId, int number, string name) => $"revisions/{deploymentId}/{number}/{name}";

    private static List<StoredVariable> Read(string json) => JsonSerializer.Deserialize<List<StoredVariable>>(json, Json) ?? [];

    private static List<VariableValue> Mask(IEnumerable<StoredVariable> stored) =>
        [.. stored.Select(v => new VariableValue(v.Name, v.Secret ? Masked.Value : v.Value, v.Secret))];

    private static Revision Map(DbDataReader r) => new(
        r.Str("deployment_id"), r.Int("number"), r.Str("stack_id"), r.Str("version"), r.Str("definition"),
        Mask(Read(r.Str("variables"))),
        JsonSerializer.Deserialize<Dictionary<string, string>>(r.Str("image_digests"), Json) ?? [],
        r.Str("created_by"), r.Time("created_at"), r.Str("reason"), r.Enum<RevisionOutcome>("outcome"), r.NTime("outcome_at"));

    private sealed record StoredVariable(string Name, string Value, bool Secret);
}
