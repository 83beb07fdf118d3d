using System.Data.Common;
using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

/// <summary>TLS material is referenced (a path or a secret name), never stored inline.</summary>
internal sealed record TlsMaterialRefs(string? CaRef, string? CertRef, string? KeyRef);

internal sealed record DeploymentEnvironment(
    string Id, string Name, string DockerEndpoint, TlsMaterialRefs? Tls, bool IsDefault,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal sealed record NewEnvironment(string Name, string DockerEndpoint, TlsMaterialRefs? Tls = null, bool IsDefault = false);

internal sealed class EnvironmentRepository(StoreDatabase db, SecretProtector protector, TimeProvider time)
{
    private const string Columns = "id, name, docker_endpoint, tls_ca_ref, tls_cert_ref, tls_key_ref, is_default, created_at, updated_at";

    private readonly SecretVariables _variables = new(protector, "environment_variables", "environment_id");

    public async Task<SaveResult<DeploymentEnvironment>> CreateAsync(NewEnvironment env, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var created = new DeploymentEnvironment(StoreIds.New(time), env.Name, env.DockerEndpoint, env.Tls, env.IsDefault, now, now);
        try
        {
            await using var uow = await db.BeginAsync(ct);
            if (env.IsDefault)
            {
                await uow.ExecuteAsync("UPDATE environments SET is_default = 0 WHERE is_default = 1", ct);
            }

            await uow.ExecuteAsync(
                $"INSERT INTO environments ({Columns}) VALUES (@id, @name, @endpoint, @ca, @cert, @key, @default, @at, @at)",
                ct, ("@id", created.Id), ("@name", env.Name), ("@endpoint", env.DockerEndpoint), ("@ca", env.Tls?.CaRef),
                ("@cert", env.Tls?.CertRef), ("@key", env.Tls?.KeyRef), ("@default", env.IsDefault), ("@at", now));
            await uow.CommitAsync(ct);
            return new SaveResult<DeploymentEnvironment>.Saved(created);
        }
        catch (DbException ex) when (StoreDatabase.IsUniqueViolation(ex))
        {
            return new SaveResult<DeploymentEnvironment>.Duplicate("name", env.Name);
        }
    }

    public async Task<DeploymentEnvironment?> GetAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM environments WHERE id = @id", Map, ct, ("@id", id));
    }

    public async Task<DeploymentEnvironment?> GetByNameAsync(string name, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM environments WHERE name = @name", Map, ct, ("@name", name));
    }

    public async Task<DeploymentEnvironment?> GetDefaultAsync(CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync($"SELECT {Columns} FROM environments WHERE is_default = 1", Map, ct);
    }

    public async Task<PagedResult<DeploymentEnvironment>> ListAsync(Page page, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        var items = await uow.QueryAsync(
            $"SELECT {Columns} FROM environments ORDER BY name LIMIT @limit OFFSET @offset",
            Map, ct, ("@limit", page.SafeLimit), ("@offset", page.SafeOffset));
        var total = await uow.ScalarAsync<long>("SELECT COUNT(*) FROM environments", ct);
        return new PagedResult<DeploymentEnvironment>(items, total, page.SafeLimit, page.SafeOffset);
    }

    /// <summary>Changes the endpoint and TLS references. Returns false when the environment does not exist.</summary>
    public async Task<bool> UpdateEndpointAsync(string id, string dockerEndpoint, TlsMaterialRefs? tls, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync(
            "UPDATE environments SET docker_endpoint = @endpoint, tls_ca_ref = @ca, tls_cert_ref = @cert, tls_key_ref = @key, updated_at = @at WHERE id = @id",
            ct, ("@id", id), ("@endpoint", dockerEndpoint), ("@ca", tls?.CaRef), ("@cert", tls?.CertRef), ("@key", tls?.KeyRef),
            ("@at", time.GetUtcNow())) == 1;
    }

    public async Task<bool> SetDefaultAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.BeginAsync(ct);
        await uow.ExecuteAsync("UPDATE environments SET is_default = 0 WHERE is_default = 1 AND id <> @id", ct, ("@id", id));
        var changed = await uow.ExecuteAsync(
            "UPDATE environments SET is_default = 1, updated_at = @at WHERE id = @id", ct, ("@id", id), ("@at", time.GetUtcNow()));
        if (changed == 1)
        {
            await uow.CommitAsync(ct);
        }

        return changed == 1;
    }

    /// <summary>Deletes an environment and its saved values. Refused (typed) while deployments still use it.</summary>
    public async Task<DeleteResult> DeleteAsync(string id, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        try
        {
            return await uow.ExecuteAsync("DELETE FROM environments WHERE id = @id", ct, ("@id", id)) == 1
                ? DeleteResult.Deleted
                : DeleteResult.NotFound;
        }
        catch (DbException ex) when (StoreDatabase.IsForeignKeyViolation(ex))
        {
            return DeleteResult.InUse;
        }
    }

    public async Task SetVariablesAsync(string environmentId, IReadOnlyCollection<VariableValue> values, CancellationToken ct)
    {
        await using var uow = await db.BeginAsync(ct);
        await _variables.ReplaceAsync(uow, environmentId, values, time.GetUtcNow(), ct);
        await uow.CommitAsync(ct);
    }

    /// <summary>Saved values with secrets masked, for display.</summary>
    public async Task<IReadOnlyList<VariableValue>> ListVariablesAsync(string environmentId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await _variables.ReadAsync(uow, environmentId, revealSecrets: false, ct);
    }

    /// <summary>Saved values with secrets decrypted. For the engine's variable resolution only.</summary>
    public async Task<IReadOnlyList<VariableValue>> GetVariablesWithSecretsAsync(string environmentId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await _variables.ReadAsync(uow, environmentId, revealSecrets: true, ct);
    }

    private static DeploymentEnvironment Map(DbDataReader r)
    {
        var ca = r.NStr("tls_ca_ref");
        var cert = r.NStr("tls_cert_ref");
        var key = r.NStr("tls_key_ref");
        var tls = ca is null && cert is null && key is null ? null : new TlsMaterialRefs(ca, cert, key);
        return new DeploymentEnvironment(r.Str("id"), r.Str("name"), r.Str("docker_endpoint"), tls, r.Bool("is_default"),
            r.Time("created_at"), r.Time("updated_at"));
    }
}

internal enum DeleteResult
{
    Deleted,
    NotFound,
    InUse,
}
