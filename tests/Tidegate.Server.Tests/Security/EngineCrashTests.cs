using System.Net;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests.Security;

/// <summary>Crash safety at the server's start: interrupted operations in two environments, one whose Docker engine does not
/// answer. The reachable one is settled before the server answers; the other keeps its lock (no new operation starts there)
/// and is settled in the background once its engine answers. Commit-order crashes are in <see cref="ServerKillTests"/>
/// (<c>Upgrade:remove-retired</c>, <c>Rollback:remove-retired</c>).</summary>
public sealed class EngineCrashTests(DockerDaemonFixture fixture) : IClassFixture<DockerDaemonFixture>
{
    [Fact]
    public async Task Start_WithOneEnvironmentUnreachable_SettlesTheOtherAtOnce_AndTheUnreachableOneOnceItsEngineAnswers()
    {
        Assert.NotNull(fixture.Endpoint);
        var dir = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
        var ct = CancellationToken.None;
        await using var far = new UnixSocketForwarder(Path.Combine(Path.GetTempPath(), $"tg-{Guid.NewGuid():N}"[..20] + ".sock"));
        try
        {
            Directory.CreateDirectory(dir);
            var store = await TidegateStore.OpenAsync(new StoreOptions(dir), SecretProtector.Load(dir, _ => null), TimeProvider.System, ct);
            var names = new TestResources("crashstart");
            var farEnvironment = (await store.Environments.CreateAsync(new NewEnvironment("far", far.Endpoint), ct)).ValueOrThrow();
            var nearEnvironment = (await store.Environments.CreateAsync(new NewEnvironment("near", "unix:///var/run/docker.sock"), ct)).ValueOrThrow();
            // The unreachable environment's operation is the older one: it must not hold up the other.
            var (farDeployment, farOperation) = await InterruptedStopAsync(store, farEnvironment.Id, names.Name("far"));
            var (_, nearOperation) = await InterruptedStopAsync(store, nearEnvironment.Id, names.Name("near"));

            await using var server = await RealServer.StartAsync("--DataDirectory", dir, "--Engine:ReconcileRetry", "00:00:00.200");

            Assert.Equal(OperationStatus.Succeeded, (await server.Store.Operations.GetAsync(nearOperation.Id, ct))!.Status);
            Assert.Equal(OperationStatus.Interrupted, (await server.Store.Operations.GetAsync(farOperation.Id, ct))!.Status);
            var admin = (await server.Store.Users.CreateAsync("admin", Auth.PasswordPolicy.Hash(Seed.Password), UserRole.Admin, ct)).ValueOrThrow();
            using var api = server.Client((await server.Store.ApiTokens.IssueAsync(new NewApiToken(admin.Id, "t"), ct)).Token);
            using (var refused = await api.PostAsync(new Uri($"/api/deployments/{farDeployment.Id}/start", UriKind.Relative), null, ct))
            {
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
                Assert.Contains(farOperation.Id, await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }

            far.Start();

            var settled = await Wait.UntilAsync(async token => (await server.Store.Operations.GetAsync(farOperation.Id, token))!,
                o => o.Status == OperationStatus.Succeeded, "the unreachable environment's operation settled once its engine answers", TimeSpan.FromSeconds(60));
            Assert.Contains("interrupted at step stop; reconciled: stop completed", settled.Error, StringComparison.Ordinal);
            Assert.Null(await server.Store.Locks.GetAsync(farDeployment.Id, ct));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(DeploymentRecord, OperationRecord)> InterruptedStopAsync(TidegateStore store, string environmentId, string name)
    {
        var ct = CancellationToken.None;
        var deployment = (await store.Deployments.CreateAsync(new NewDeployment(environmentId, name, "demo:wired:web", "demo:wired", "1.0.0"), [], ct)).ValueOrThrow();
        var operation = await store.Operations.CreateAsync(new NewOperation(deployment.Id, name, OperationKind.Stop, "test"), ct);
        await store.Operations.TransitionAsync(operation.Id, OperationStatus.Running, null, ct);
        await store.Locks.AcquireAsync(deployment.Id, operation.Id, "a-process-that-died", TimeSpan.FromHours(1), ct);
        await store.Operations.BeginStepAsync(operation.Id, "stop", null, ct);
        return (deployment, operation);
    }
}
