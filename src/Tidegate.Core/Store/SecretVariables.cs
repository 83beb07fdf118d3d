using Tidegate.Core.Secrets;

namespace Tidegate.Core.Store;

/// <summary>A saved variable value. In lists, secret values are <see cref="Masked.Value"/>; the clear
/// value comes only from the repositories' explicit "with secrets" reads, which the engine uses.</summary>
internal sealed record VariableValue(string Name, string Value, bool IsSecret);

/// <summary>Reading and writing a per-owner variable table (environment_variables,
/// deployment_variables). Secret values are encrypted with the owner table, owner id and variable
/// name as associated data, so a ciphertext cannot be moved to another row.</summary>
internal sealed class SecretVariables(SecretProtector protector, string table, string ownerColumn)
{
    public static string AssociatedData(string table, string ownerId, string name) => $"{table}/{ownerId}/{name}";

    public async Task ReplaceAsync(UnitOfWork uow, string ownerId, IReadOnlyCollection<VariableValue> values, DateTimeOffset now, CancellationToken ct)
    {
        var duplicate = values.GroupBy(v => v.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Variable '{duplicate.Key}' is given more than once.", nameof(values));
        }

        await uow.ExecuteAsync($"DELETE FROM {table} WHERE {ownerColumn} = @owner", ct, ("@owner", ownerId));
        foreach (var v in values)
        {
            var stored = v.IsSecret ? protector.Protect(v.Value, AssociatedData(table, ownerId, v.Name)) : v.Value;
            await uow.ExecuteAsync(
                $"INSERT INTO {table} ({ownerColumn}, name, value, is_secret, updated_at) VALUES (@owner, @name, @value, @secret, @at)",
                ct, ("@owner", ownerId), ("@name", v.Name), ("@value", stored), ("@secret", v.IsSecret), ("@at", now));
        }
    }

    public async Task<IReadOnlyList<VariableValue>> ReadAsync(UnitOfWork uow, string ownerId, bool revealSecrets, CancellationToken ct)
    {
        return await uow.QueryAsync(
            $"SELECT name, value, is_secret FROM {table} WHERE {ownerColumn} = @owner ORDER BY name",
            r =>
            {
                var name = r.Str("name");
                var secret = r.Bool("is_secret");
                var value = !secret ? r.Str("value")
                    : revealSecrets ? protector.Unprotect(r.Str("value"), AssociatedData(table, ownerId, name))
                    : Masked.Value;
                return new VariableValue(name, value, secret);
            },
            ct, ("@owner", ownerId));
    }
}
