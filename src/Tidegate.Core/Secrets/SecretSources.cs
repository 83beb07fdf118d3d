using System.Data.Common;
using Tidegate.Core.Store;

namespace Tidegate.Core.Secrets;

/// <summary>Reads the clear value of every secret source an operation on a deployment can come across, so its
/// outputs can be masked by value: the environment's and the deployment's secret variables (also those of the
/// running revision), the deployment's observer credential, every registry password and every git credential.
/// A stack may use a secret without declaring it, and a daemon's error may quote a credential: by value, all of
/// them are hidden wherever they end up.</summary>
internal static class SecretSources
{
    public static async Task<SecretValues> ForDeploymentAsync(TidegateStore store, DeploymentRecord deployment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(deployment);
        var values = new List<string?>();
        values.AddRange(SecretsOf(await store.Environments.GetVariablesWithSecretsAsync(deployment.EnvironmentId, ct)));
        values.AddRange(SecretsOf(await store.Deployments.GetVariablesWithSecretsAsync(deployment.Id, ct)));
        if (deployment.CurrentRevision is { } current)
        {
            values.AddRange(SecretsOf(await store.Revisions.GetVariablesWithSecretsAsync(deployment.Id, current, ct) ?? []));
        }

        if (await store.Observers.GetAsync(deployment.Id, ct) is { } observer)
        {
            values.AddRange(ConnectionStringSecrets(observer.Settings.GetValueOrDefault("connectionString")));
        }

        values.AddRange(await CredentialsAsync(store, ct));
        return new SecretValues(values);
    }

    /// <summary>Registry passwords and git credentials: server-wide, any operation may pull or fetch with them.</summary>
    public static async Task<IReadOnlyList<string>> CredentialsAsync(TidegateStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var values = new List<string>();
        for (var page = Page.First(Page.MaxLimit); ; page = page with { Offset = page.Offset + Page.MaxLimit })
        {
            var registries = await store.RegistryCredentials.ListAsync(page, ct);
            foreach (var registry in registries.Items)
            {
                if (await store.RegistryCredentials.GetForPullAsync(registry.Host, ct) is { } credential)
                {
                    values.Add(credential.Password);
                }
            }

            if (!registries.HasMore)
            {
                break;
            }
        }

        for (var page = Page.First(Page.MaxLimit); ; page = page with { Offset = page.Offset + Page.MaxLimit })
        {
            var sources = await store.CatalogSources.ListAsync(page, ct);
            foreach (var source in sources.Items)
            {
                // Stored as "username\nsecret"; the user name is not a secret (masking it would garble every text naming it).
                if (await store.CatalogSources.GetCredentialsAsync(source.Id, ct) is { } credentials)
                {
                    values.Add(credentials[(credentials.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
                }
            }

            if (!sources.HasMore)
            {
                break;
            }
        }

        return values;
    }

    /// <summary>The whole connection string and its password on its own (an error may quote either).</summary>
    public static IEnumerable<string> ConnectionStringSecrets(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            yield break;
        }

        yield return connectionString;
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            yield break;
        }

        foreach (var key in new[] { "password", "pwd" })
        {
            if (builder.TryGetValue(key, out var value) && value is string password)
            {
                yield return password;
            }
        }
    }

    private static IEnumerable<string> SecretsOf(IEnumerable<VariableValue> variables) => variables.Where(v => v.IsSecret).Select(v => v.Value);
}
