using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests;

/// <summary>What the server does with the engine at start, against the real engine.</summary>
public sealed class EngineStartupTests(DockerDaemonFixture fixture) : IClassFixture<DockerDaemonFixture>
{
    [Fact]
    public async Task Start_ReconcilesAnOperationADeadProcessLeftRunning_AndCreatesTheDefaultEnvironment()
    {
        Assert.NotNull(fixture.Endpoint);
        var dir = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
        var ct = CancellationToken.None;
        try
        {
            Directory.CreateDirectory(dir);
            var store = await TidegateStore.OpenAsync(new StoreOptions(dir), SecretProtector.Load(dir, _ => null), TimeProvider.System, ct);
            var env = (await store.Environments.CreateAsync(new NewEnvironment("prod", "unix:///var/run/docker.sock"), ct)).ValueOrThrow();
            var name = new TestResources("startup").Name("app");
            var deployment = (await store.Deployments.CreateAsync(new NewDeployment(env.Id, name, "demo:wired:web", "demo:wired", "1.0.0"), [], ct)).ValueOrThrow();
            var operation = await store.Operations.CreateAsync(new NewOperation(deployment.Id, name, OperationKind.Deploy, "test"), ct);
            await store.Operations.TransitionAsync(operation.Id, OperationStatus.Running, null, ct);
            await store.Locks.AcquireAsync(deployment.Id, operation.Id, "a-process-that-died", TimeSpan.FromHours(1), ct);

            await using var server = await RealServer.StartAsync("--DataDirectory", dir);

            var reconciled = (await server.Store.Operations.GetAsync(operation.Id, ct))!;
            Assert.Equal(OperationStatus.Failed, reconciled.Status);
            Assert.Contains("interrupted", reconciled.Error, StringComparison.Ordinal);
            var local = await server.Store.Environments.GetDefaultAsync(ct);
            Assert.Equal("local", local?.Name);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
