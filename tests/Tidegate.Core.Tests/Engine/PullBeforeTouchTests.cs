using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Core.Tests.Store;

namespace Tidegate.Core.Tests.Engine;

/// <summary>The engine against a hand-written fake: the order of Docker calls proves pull before touch.</summary>
public sealed class PullBeforeTouchTests
{
    private const string Stack = """
        services:
          db:
            image: registry.example:5000/db:2
          web:
            image: registry.example:5000/web:2
            depends_on: [db]
        """;

    [Fact]
    public async Task NewRevision_PullsEveryImage_BeforeTheFirstOldContainerIsStopped()
    {
        var (calls, status) = await DeployTwiceAsync(missing: null);

        Assert.Equal(OperationStatus.Succeeded, status);
        var firstStop = calls.FindIndex(c => c.StartsWith("stop ", StringComparison.Ordinal));
        Assert.True(firstStop > calls.FindLastIndex(c => c.StartsWith("pull ", StringComparison.Ordinal)));
        Assert.Equal(["pull registry.example:5000/db:2", "pull registry.example:5000/web:2"], calls.Where(c => c.StartsWith("pull ", StringComparison.Ordinal)).Order());
        // Old containers are stopped and renamed first, removed only after the new ones were started.
        Assert.True(calls.IndexOf("rename app-web-1 app-web-1-old-r1") < calls.FindIndex(c => c == "start app-web-1"));
        Assert.True(calls.FindIndex(c => c == "start app-web-1") < calls.IndexOf("remove app-web-1-old-r1"));
        Assert.True(calls.IndexOf("stop app-web-1") < calls.IndexOf("stop app-db-1"), "dependents stop first");
    }

    [Fact]
    public async Task PullFailure_OfAnyImage_TouchesNothingOfTheRunningVersion()
    {
        var (calls, status) = await DeployTwiceAsync(missing: "registry.example:5000/web:2");

        Assert.Equal(OperationStatus.Failed, status);
        Assert.DoesNotContain(calls, c => c.Split(' ')[0] is "stop" or "rename" or "remove" or "create" or "start");
    }

    [Fact]
    public async Task Abandon_AfterDispose_IsHarmless_AndDisposeTwiceToo()
    {
        // Host shutdown can stop hosted services after the container disposed the singleton.
        await using var fixture = await StoreFixture.CreateAsync();
        var service = new DeploymentService(fixture.Store, new Factory(new FakeDockerEngine()), new StoreProgressSink(fixture.Store),
            new EngineOptions(), TimeProvider.System);

        await service.DisposeAsync();
        var abandon = Record.Exception(service.Abandon);
        var secondDispose = await Record.ExceptionAsync(async () => await service.DisposeAsync());

        Assert.Null(abandon);
        Assert.Null(secondDispose);
    }

    private static async Task<(List<string> Calls, OperationStatus Status)> DeployTwiceAsync(string? missing)
    {
        await using var fixture = await StoreFixture.CreateAsync();
        var docker = new FakeDockerEngine();
        docker.AddImage("registry.example:5000/db:1");
        docker.AddImage("registry.example:5000/web:1");
        if (missing is not null)
        {
            docker.MissingImages.Add(missing);
        }

        var environment = await fixture.AddEnvironmentAsync();
        await using var service = new DeploymentService(fixture.Store, new Factory(docker), new StoreProgressSink(fixture.Store),
            new EngineOptions { PollInterval = TimeSpan.FromMilliseconds(1) }, TimeProvider.System);
        await RunAsync(service, environment.Id, Stack.Replace(":2", ":1", StringComparison.Ordinal));
        docker.Calls.Clear();

        var status = await RunAsync(service, environment.Id, Stack);
        return ([.. docker.Calls], status);
    }

    private static async Task<OperationStatus> RunAsync(DeploymentService service, string environmentId, string stack)
    {
        var started = Assert.IsType<OperationStartResult.Started>(await service.DeployAsync(
            new DeployRequest(environmentId, "app", "s:p:a", "p", "1", new StackSource(stack), [], "tester"), CancellationToken.None));
        return (await service.WaitForOperationAsync(started.OperationId, CancellationToken.None))!.Status;
    }

    private sealed class Factory(FakeDockerEngine docker) : IDockerEngineFactory
    {
        public IDockerEngine Open(DeploymentEnvironment environment) => docker;
    }
}
