using Tidegate.Core.Store;
using Tidegate.Server.Http;

namespace Tidegate.Server.Environments;

internal sealed record ConnectionTestResult(bool Reachable, string? EngineVersion, string? ApiVersion, string? Error, TimeSpan Elapsed);

/// <summary>Seam for the deployment engine: connect to an environment's Docker endpoint and report
/// whether it answers (ping + version). The engine registers its implementation in place of
/// <see cref="EngineNotWiredConnectionTester"/>.</summary>
internal interface IEnvironmentConnectionTester
{
    Task<ConnectionTestResult> TestAsync(DeploymentEnvironment environment, CancellationToken ct);
}

internal sealed class EngineNotWiredConnectionTester : IEnvironmentConnectionTester
{
    public Task<ConnectionTestResult> TestAsync(DeploymentEnvironment environment, CancellationToken ct)
        => throw new EngineNotWiredException("Testing an environment's Docker connection");
}
