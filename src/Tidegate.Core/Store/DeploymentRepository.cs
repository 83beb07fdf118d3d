using System.Data.Common;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

internal sealed record DeploymentRecord(
    string Id, string EnvironmentId, string Name, string StackId, string ProductId, string Version,
    OperationMode Mode, int? CurrentRevision, int? LastSuccessfulRevision, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal sealed record NewDeployment(
    string EnvironmentId, string Name, string StackId, string ProductId, string Version,
    OperationMode Mode = OperationMode.Normal);

/// <summary>Deleting a deployment cascades to its variables, revisions, snapshots, metadata, mode
/// history and lock; its operations stay (deployment_id set to NULL, name kept) and the audit log,
/// which references targets by text, is untouched.</summary>
internal sealed class DeploymentRepository(StoreDatabase db, SecretProtector protector, TimeProvider time)
{
    private const string Columns =
        "id, environment_id, name, stack_id, product_id, version, operation_mode, current_revision, last_successful_revision, created_at, updated_at";

    private readonly SecretVariables _variables = new(protector, "deployment_variables", "deployment_id");

    public async Task<SaveResult<DeploymentRecord>> CreateAsync(
        NewDeployment deployment, IReadOnlyCollection<VariableValue> variables, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var created = new DeploymentRecord(StoreIds.New(time), deployment.EnvironmentId, deployment.Name, deployment.StackId,
            deployment.ProductId, deployment.Version, deployment.Mode, null, null, now, now);
        try
        {
            await using var uow = await db.BeginAsync(ct);
            await uow.ExecuteAsync(
                $"INSERT INTO deployments ({Columns}) VALUES (@id, @env, @name, @stack, @product, @version, @mode, NULL, NULL, @at, @at)",
                ct, ("@id", created.Id), ("@env", created.EnvironmentId), ("@name", created.Name), ("@stack", created.StackId),
                ("@product", created.ProductId), ("@version", created.Version), ("@mode", created.Mode), ("@at", now));
            await _variables.ReplaceAsync(uow, created.Id, variables, now, ct);
            await uow.CommitAsync(ct);
            return new SaveResult<DeploymentRecord>.Saved(created);
        }
        catch (DbException ex) when (StoreDatabase.IsUniqueViolation(ex))
        {
            return new SaveResult<DeploymentRecord>.Duplicate("name", deployment.Name);
        }
    }

    public async Task<DeploymentRecord?> GetAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM deployments WHERE id = @id", Map, ct, ("@id", id));
    }

    public async Task<DeploymentRecord?> GetByNameAsync(string environmentId, string name, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM deployments WHERE environment_id = @env AND name = @name",
            Map, ct, ("@env", environmentId), ("@name", name));
    }

    /// <summary>Deployments ordered by environment and name; optionally of one environment.</summary>
    public async Task<PagedResult<DeploymentRecord>> ListAsync(string? environmentId, Page page, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        const string filter = "WHERE (@env IS NULL OR environment_id = @env)";
        var items = await uow.QueryAsync(
            $"SELECT {Columns} FROM deployments {filter} ORDER BY environment_id, name LIMIT @limit OFFSET @offset",
            Map, ct, ("@env", environmentId), ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>($"SELECT COUNT(*) FROM deployments {filter}", ct, ("@env", environmentId));
        return new PagedResult<DeploymentRecord>(items, total, page.SafeLimit, page.SafeOffset);
    }

    /// <summary>Records what now runs: stack, version and current revision; on success also the last successful revision.</summary>
    public async Task<bool> SetRunningRevisionAsync(
        string id, string stackId, string productId, string version, int revision, bool succeeded, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("""
            UPDATE deployments
            SET stack_id = @stack, product_id = @product, version = @version, current_revision = @rev,
                last_successful_revision = CASE WHEN @ok = 1 THEN @rev ELSE last_successful_revision END,
                updated_at = @at
            WHERE id = @id
            """, ct, ("@id", id), ("@stack", stackId), ("@product", productId), ("@version", version), ("@rev", revision),
            ("@ok", succeeded), ("@at", time.GetUtcNow())) == 1;
    }

    /// <summary>The record of a commit, in one transaction: what runs (stack, version, current and last successful revision)
    /// and the variable values it runs with. Values are stored only here, so a deploy that never committed leaves the values
    /// that ran before, and a later upgrade merges from those.</summary>
    public async Task<bool> CommitRevisionAsync(
        string id, string stackId, string productId, string version, int revision, IReadOnlyCollection<VariableValue> values, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var uow = await db.BeginAsync(ct);
        var updated = await uow.ExecuteAsync("""
            UPDATE deployments
            SET stack_id = @stack, product_id = @product, version = @version, current_revision = @rev, last_successful_revision = @rev, updated_at = @at
            WHERE id = @id
            """, ct, ("@id", id), ("@stack", stackId), ("@product", productId), ("@version", version), ("@rev", revision), ("@at", now)) == 1;
        if (updated)
        {
            await _variables.ReplaceAsync(uow, id, values, now, ct);
        }
        await uow.CommitAsync(ct);
        return updated;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("DELETE FROM deployments WHERE id = @id", ct, ("@id", id)) == 1;
    }

    /// <summary>Values with secrets masked, for display.</summary>
    public async Task<IReadOnlyList<VariableValue>> ListVariablesAsync(string deploymentId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await _variables.ReadAsync(uow, deploymentId, revealSecrets: false, ct);
    }

    /// <summary>Values with secrets decrypted. For the engine's variable resolution only.</summary>
    public async Task<IReadOnlyList<VariableValue>> GetVariablesWithSecretsAsync(string deploymentId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await _variables.ReadAsync(uow, deploymentId, revealSecrets: true, ct);
    }

    private static DeploymentRecord Map(DbDataReader r) => new(
        r.Str("id"), r.Str("environment_id"), r.Str("name"), r.Str("stack_id"), r.Str("product_id"), r.Str("version"),
        r.Enum<OperationMode>("operation_mode"), r.NInt("current_revision"), r.NInt("last_successful_revision"),
        r.Time("created_at"), r.Time("updated_at"));
}
