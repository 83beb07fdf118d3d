using Tidegate.Core.Engine;
using Tidegate.Core.Store;
using Tidegate.Docker;

namespace Tidegate.Core.Environments;

/// <summary>Opens a Docker connection for an environment row.</summary>
internal interface IDockerEngineFactory
{
    IDockerEngine Open(DeploymentEnvironment environment);
}

/// <summary>Environment rows name their endpoint as text (unix:///…, tcp://…, ssh://…); TLS material
/// is referenced by path, so the CA, certificate and key files are read by the client, never stored.</summary>
internal sealed class DockerEngineFactory : IDockerEngineFactory
{
    public IDockerEngine Open(DeploymentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new DockerEngine(new DockerClient(ToEndpoint(environment)));
    }

    public static DockerEndpoint ToEndpoint(DeploymentEnvironment environment)
    {
        var tls = environment.Tls is { } refs
            ? new DockerTlsOptions(refs.CaRef, refs.CertRef, refs.KeyRef, VerifyServer: refs.CaRef is not null)
            : null;
        return DockerEndpoint.Parse(environment.DockerEndpoint, tls);
    }
}

internal abstract record ConnectionTestResult(string Endpoint)
{
    internal sealed record Reachable(string Endpoint, string EngineVersion, string ApiVersion, TimeSpan Latency) : ConnectionTestResult(Endpoint);

    internal sealed record Unreachable(string Endpoint, string Error) : ConnectionTestResult(Endpoint);
}

/// <summary>Environments the engine can deploy into: the default one for the local socket, and connection tests.</summary>
internal sealed class EnvironmentService(TidegateStore store, IDockerEngineFactory engines, TimeProvider time)
{
    public const string DefaultName = "local";

    /// <summary>Creates the "local" environment for the local socket when no environment is marked default.</summary>
    public Task<DeploymentEnvironment> EnsureDefaultAsync(CancellationToken ct) => EnsureDefaultAsync(null, ct);

    /// <summary>Creates the "local" environment on <paramref name="endpoint"/> (the local socket when null) when no
    /// environment is marked default.</summary>
    public async Task<DeploymentEnvironment> EnsureDefaultAsync(string? endpoint, CancellationToken ct)
    {
        if (await store.Environments.GetDefaultAsync(ct) is { } existing)
        {
            return existing;
        }

        var created = await store.Environments.CreateAsync(
            new NewEnvironment(DefaultName, endpoint ?? "unix://" + DockerEndpoint.DefaultUnixSocket, IsDefault: true), ct);
        return created switch
        {
            SaveResult<DeploymentEnvironment>.Saved saved => saved.Value,
            // A "local" row that is not the default already exists: make it the default rather than fail the start.
            _ => await MakeDefaultAsync(ct),
        };
    }

    /// <summary>Asks the engine for its version; the error names the endpoint so an operator sees which one failed.</summary>
    public async Task<ConnectionTestResult> TestAsync(DeploymentEnvironment environment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var started = time.GetTimestamp();
        try
        {
            using var engine = engines.Open(environment);
            var version = await engine.VersionAsync(ct);
            return new ConnectionTestResult.Reachable(environment.DockerEndpoint, version.Version ?? "unknown", version.ApiVersion ?? "unknown",
                time.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is DockerUnreachableException or DockerApiException or DockerVersionException or FormatException
                                       or HttpRequestException or IOException)
        {
            return new ConnectionTestResult.Unreachable(environment.DockerEndpoint, $"{environment.DockerEndpoint}: {ex.Message}");
        }
    }

    private async Task<DeploymentEnvironment> MakeDefaultAsync(CancellationToken ct)
    {
        var local = await store.Environments.GetByNameAsync(DefaultName, ct)
                    ?? throw new InvalidOperationException("The default environment could not be created.");
        await store.Environments.SetDefaultAsync(local.Id, ct);
        return local with { IsDefault = true };
    }
}
