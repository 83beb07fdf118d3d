using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Core.Tests.Store;

namespace Tidegate.Core.Tests.Engine;

/// <summary>Cancelling a deploy through <see cref="OperationCancellation"/>: while it pulls it ends Cancelled with the running
/// version untouched; once it replaces containers the request is refused.</summary>
public sealed class CancelDeployTests
{
    private const string Stack = "services:\n  web:\n    image: registry.example:5000/web:2\n";

    [Fact]
    public async Task Cancel_WhilePulling_EndsCancelled_AndTouchesNothingRunning()
    {
        var (status, calls, answer) = await NewRevisionAsync(stepToHold: "pull");

        Assert.IsType<CancelRequestResult.Requested>(answer);
        Assert.Equal(OperationStatus.Cancelled, status);
        Assert.DoesNotContain(calls, c => c.Split(' ')[0] is "stop" or "rename" or "remove" or "create" or "start");
    }

    [Fact]
    public async Task Cancel_AfterThePointOfNoReturn_IsRefused_AndTheDeployFinishes()
    {
        var (status, _, answer) = await NewRevisionAsync(stepToHold: DeployExecutor.RetireStep);

        Assert.IsType<CancelRequestResult.PastPointOfNoReturn>(answer);
        Assert.Equal(OperationStatus.Succeeded, status);
    }

    private static async Task<(OperationStatus, List<string>, CancelRequestResult)> NewRevisionAsync(string stepToHold)
    {
        await using var fixture = await StoreFixture.CreateAsync();
        var docker = new FakeDockerEngine();
        docker.AddImage("registry.example:5000/web:1");
        var environment = await fixture.AddEnvironmentAsync();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hold = false;
        var registry = new OperationCancellation();
        var options = new EngineOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(1),
            BeforeStep = async (name, ct) =>
            {
                if (hold && name == stepToHold)
                {
                    reached.TrySetResult();
                    await release.Task.WaitAsync(ct);
                }
            },
        };
        await using var service = new DeploymentService(fixture.Store, new Factory(docker), new StoreProgressSink(fixture.Store), options, TimeProvider.System, registry);
        await RunAsync(service, environment.Id, Stack.Replace(":2", ":1", StringComparison.Ordinal), wait: true);
        docker.Calls.Clear();
        hold = true;

        var operationId = await RunAsync(service, environment.Id, Stack, wait: false);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var answer = registry.RequestCancel(operationId, "tester");
        release.SetResult();
        var final = await service.WaitForOperationAsync(operationId, CancellationToken.None);
        return (final!.Status, [.. docker.Calls], answer);
    }

    private static async Task<string> RunAsync(DeploymentService service, string environmentId, string stack, bool wait)
    {
        var started = Assert.IsType<OperationStartResult.Started>(await service.DeployAsync(
            new DeployRequest(environmentId, "app", "s:p:a", "p", "1", new StackSource(stack), [], "tester"), CancellationToken.None));
        if (wait)
        {
            Assert.Equal(OperationStatus.Succeeded, (await service.WaitForOperationAsync(started.OperationId, CancellationToken.None))!.Status);
        }
        return started.OperationId;
    }

    private sealed class Factory(FakeDockerEngine docker) : IDockerEngineFactory
    {
        public IDockerEngine Open(DeploymentEnvironment environment) => docker;
    }
}
