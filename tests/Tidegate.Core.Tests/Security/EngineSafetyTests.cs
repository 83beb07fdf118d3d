using System.Globalization;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Core.Tests.Engine;
using Tidegate.Docker.Containers;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Security;

/// <summary>The engine boundary: what an operation may still do once it lost its lock, what the reconciler settles (and
/// where an unreachable engine stops it), what a crash between commit and cleanup leaves, and which variable values a
/// deployment keeps. Real Docker engine, real store.</summary>
public sealed class EngineSafetyTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task LeaseRenewal_ThatFails_IsRetriedWithinTheLease_AndTheLeaseIsKept()
    {
        var time = new FakeTimeProvider();
        var start = time.GetUtcNow();
        var calls = 0;
        var lease = new OperationLease(_ => Interlocked.Increment(ref calls) <= 2
            ? throw new IOException("database is locked")
            : Task.FromResult(LeaseRenewal.Renewed), Lease, time.GetUtcNow(), time);
        using var stop = new CancellationTokenSource();
        var running = lease.RunAsync(stop.Token);

        await AdvanceAsync(time, TimeSpan.FromSeconds(10), () => calls, 1); // first renewal: fails
        await AdvanceAsync(time, TimeSpan.FromSeconds(1), () => calls, 2);  // retried: fails again
        await AdvanceAsync(time, TimeSpan.FromSeconds(2), () => calls, 3);  // retried: renewed
        await AdvanceAsync(time, TimeSpan.FromSeconds(10), () => calls, 4);
        await AdvanceAsync(time, TimeSpan.FromSeconds(10), () => calls, 5);

        Assert.True(time.GetUtcNow() - start > Lease); // past the end of the lease taken at the start
        Assert.False(lease.IsLost, lease.LostReason);
        Assert.Equal(2, lease.FailedAttempts);
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task LeaseRenewal_ThatKeepsFailing_LosesTheLeaseWhenItRunsOut_AndTheNextStepIsRefused()
    {
        var time = new FakeTimeProvider();
        var start = time.GetUtcNow();
        var calls = 0;
        var lease = new OperationLease(_ =>
        {
            Interlocked.Increment(ref calls);
            throw new IOException("database is locked");
        }, Lease, time.GetUtcNow(), time);
        using var stop = new CancellationTokenSource();
        var running = lease.RunAsync(stop.Token);

        while (!running.IsCompleted && time.GetUtcNow() < start + Lease + Lease)
        {
            await Wait.UntilAsync(_ => Task.FromResult(time.ActiveTimers > 0 || running.IsCompleted), b => b, "the lease waiting");
            time.Advance(TimeSpan.FromSeconds(1));
        }
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(lease.IsLost);
        Assert.Contains("until the lease ran out", lease.LostReason, StringComparison.Ordinal);
        Assert.True(calls > 2, $"{calls} attempts");
        var refused = Assert.Throws<LeaseLostException>(() => lease.ThrowIfLost("step create"));
        Assert.Contains("stopped before step create", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeaseLost_WhenAnotherHolderTookTheLock_TheOperationStopsBeforeItsNextStep_AndReportsIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var directory = Directory.CreateTempSubdirectory("tidegate-lease-").FullName;
        try
        {
            var store = await TidegateStore.OpenAsync(new StoreOptions(directory), SecretProtector.Load(directory, _ => null), time, Ct);
            var environment = await new EnvironmentService(store, new DockerEngineFactory(), time).EnsureDefaultAsync(Ct);
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var options = Options with
            {
                LockLease = Lease,
                BeforeStep = async (step, _) =>
                {
                    if (step == DeployExecutor.RevisionStep)
                    {
                        reached.TrySetResult();
                        await proceed.Task;
                    }
                },
            };
            await using var service = new DeploymentService(store, new DockerEngineFactory(), new StoreProgressSink(store), options, time);
            var name = ProjectName();
            var started = Assert.IsType<OperationStartResult.Started>(await service.DeployAsync(
                Request(name, ThreeTierStack(FreePort.Next())) with { EnvironmentId = environment.Id }, Ct));
            await reached.Task.WaitAsync(Ct);

            // The operation is stuck in a long step; meanwhile another instance took the deployment's lock over (its clock
            // said the lease had expired). The next renewal finds the other holder.
            Assert.True(await store.Locks.ReleaseAsync(started.DeploymentId, started.OperationId, Ct));
            var taken = await store.Locks.AcquireAsync(started.DeploymentId, "other-operation", "other-instance", Lease, Ct);
            time.Advance(Lease / 3);
            proceed.SetResult();
            var operation = (await service.WaitForOperationAsync(started.OperationId, Ct))!;

            Assert.IsType<LockAcquireResult.Acquired>(taken);
            Assert.Equal(OperationStatus.Interrupted, operation.Status);
            Assert.Contains("The deployment lock was lost (another operation or instance holds the lock now)", operation.Error, StringComparison.Ordinal);
            Assert.Contains("stopped before step backup", operation.Error, StringComparison.Ordinal);
            var events = await store.ProgressEvents.ListAfterAsync(0, started.OperationId, null, 100, Ct);
            Assert.Equal("lease-lost", events[^1].Phase);
            var steps = await store.Operations.ListStepsAsync(started.OperationId, Ct);
            Assert.Equal(DeployExecutor.RevisionStep, steps[^1].Name);
            Assert.Empty(await Client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = [$"{EngineLabels.Project}={name}"] }, Ct));
            Assert.Equal(("other-operation", "other-instance"), ((await store.Locks.GetAsync(started.DeploymentId, Ct))!.OperationId,
                (await store.Locks.GetAsync(started.DeploymentId, Ct))!.Holder));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Reconcile_WithOneEnvironmentUnreachable_SettlesTheOtherAtOnce_AndTheUnreachableOneOnceItsEngineAnswers()
    {
        await using var far = new UnixSocketForwarder(Path.Combine(Path.GetTempPath(), $"tg-{Guid.NewGuid():N}"[..20] + ".sock"));
        var farEnvironment = (await Store.Environments.CreateAsync(new NewEnvironment(Resources.Name("far"), far.Endpoint), Ct)).ValueOrThrow();
        // The unreachable environment's operation comes first: it must not hold up the other one.
        var (farDeployment, farOperation) = await InterruptedStopAsync(farEnvironment.Id, ProjectName("far"));
        var (nearDeployment, nearOperation) = await InterruptedStopAsync(Environment.Id, ProjectName("near"));
        var reconciler = new Reconciler(Store, new DockerEngineFactory(), new StoreProgressSink(Store),
            Options with { ReconcileRetry = TimeSpan.FromMilliseconds(100) }, TimeProvider.System);

        var report = await reconciler.ReconcileAsync(atStartup: true, null, Ct);

        Assert.Equal(nearOperation.Id, Assert.Single(report.Operations).OperationId);
        Assert.Equal(OperationStatus.Succeeded, (await Store.Operations.GetAsync(nearOperation.Id, Ct))!.Status);
        Assert.Null(await Store.Locks.GetAsync(nearDeployment.Id, Ct));
        var unsettled = Assert.Single(report.Unsettled);
        Assert.Equal((farOperation.Id, farEnvironment.Id), (unsettled.OperationId, unsettled.EnvironmentId));
        Assert.Contains("cannot be reached", unsettled.Why, StringComparison.Ordinal);
        Assert.Equal(OperationStatus.Interrupted, (await Store.Operations.GetAsync(farOperation.Id, Ct))!.Status);
        // The reconciler keeps the lock: nothing else starts on that deployment until its operation is settled.
        var refused = Assert.IsType<OperationStartResult.Refused>(await Service.StartAsync(farDeployment.Id, new OperationRequest("tester"), Ct));
        Assert.Equal(farOperation.Id, refused.RunningOperationId);

        far.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var settling = reconciler.KeepSettlingAsync(null, _ => { }, _ => { }, stop.Token);
        var settled = await Wait.UntilAsync(async ct => (await Store.Operations.GetAsync(farOperation.Id, ct))!,
            o => o.Status == OperationStatus.Succeeded, "the unreachable environment's operation settled once its engine answers", cancellationToken: Ct);
        await stop.CancelAsync();
        await settling;

        Assert.Contains("interrupted at step stop; reconciled: stop completed", settled.Error, StringComparison.Ordinal);
        Assert.Null(await Store.Locks.GetAsync(farDeployment.Id, Ct));
    }

    [Fact]
    public async Task Commit_CrashBetweenRecordAndRemoval_IsFinishedFromTheJournal_NotRestoredEvenWhenTheNewRevisionStopped()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (_, deployment) = await DeployAsync(Request(name, ThreeTierStack(port)));
        var crashing = CrashingService(DeployExecutor.RemoveRetiredStep);
        await using (crashing)
        {
            var started = Assert.IsType<OperationStartResult.Started>(
                await crashing.DeployAsync(Request(name, ThreeTierStack(port, TestImages.Web110), "1.1.0", ("VERSION", "1.1.0")), Ct));
            Assert.Equal(OperationStatus.Running, (await crashing.WaitForOperationAsync(started.OperationId, Ct))!.Status);
        }
        // The record exists (revision 2 runs, with its values); the retired revision-1 containers are still there.
        Assert.Equal(2, (await Store.Deployments.GetAsync(deployment.Id, Ct))!.CurrentRevision);
        Assert.Equal("1.1.0", (await Store.Deployments.GetVariablesWithSecretsAsync(deployment.Id, Ct)).Single(v => v.Name == "VERSION").Value);
        // And then the new web container dies: health alone would now say "restore revision 1".
        await Client.ContainerStopAsync($"{name}-web-1", TimeSpan.Zero, Ct);

        var report = await ReconcileAsync();

        var reconciled = Assert.Single(report.Operations);
        Assert.Equal(OperationStatus.Succeeded, reconciled.Result);
        Assert.Contains($"interrupted at step {DeployExecutor.RemoveRetiredStep}", reconciled.What, StringComparison.Ordinal);
        deployment = (await Store.Deployments.GetAsync(deployment.Id, Ct))!;
        Assert.Equal(("1.1.0", 2), (deployment.Version, deployment.CurrentRevision));
        Assert.Equal(RevisionOutcome.Succeeded, (await Store.Revisions.GetAsync(deployment.Id, 2, Ct))!.Outcome);
        var containers = await Client.ContainerListAsync(new ContainerListParameters { All = true, LabelFilters = [$"{EngineLabels.Project}={name}"] }, Ct);
        Assert.Equal([$"/{name}-db-1", $"/{name}-migrate-1", $"/{name}-web-1"], containers.Select(c => c.Names![0]).Order());
        Assert.All(containers, c => Assert.Equal("2", c.Labels![EngineLabels.Revision]));
    }

    [Fact]
    public async Task Variables_OfAFailedDeploy_AreNotKept_AndALaterUpgradeMergesFromTheValuesThatRan()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (_, deployment) = await DeployAsync(Request(name, VariableStack(port, "1.0.0"), "1.0.0", ("VERSION", "1.0.0"), ("HEALTH_FAIL", "0")));

        await DeployAsync(Request(name, VariableStack(port, "1.0.0"), "1.0.0", ("VERSION", "never-ran"), ("HEALTH_FAIL", "1")), OperationStatus.RolledBack);

        Assert.Equal([("HEALTH_FAIL", "0"), ("VERSION", "1.0.0")], await ValuesAsync(deployment.Id));
        var upgrade = await RunAsync(Service.UpgradeAsync(new UpgradeWorkRequest(deployment.Id, "test:web:web", "web", "1.1.0",
            new StackSource(VariableStack(port, "1.1.0")), new Dictionary<string, string>(), "tester"), Ct));
        Assert.True(upgrade.Status == OperationStatus.Succeeded, upgrade.Error);
        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));
        var current = (await Store.Deployments.GetAsync(deployment.Id, Ct))!.CurrentRevision!.Value;
        Assert.Equal([("HEALTH_FAIL", "0"), ("VERSION", "1.0.0")],
            (await Store.Revisions.GetVariablesWithSecretsAsync(deployment.Id, current, Ct))!.Select(v => (v.Name, v.Value)).Order().ToList());
        Assert.Equal([("HEALTH_FAIL", "0"), ("VERSION", "1.0.0")], await ValuesAsync(deployment.Id));
    }

    private async Task<List<(string, string)>> ValuesAsync(string deploymentId) =>
        [.. (await Store.Deployments.GetVariablesWithSecretsAsync(deploymentId, Ct)).Select(v => (v.Name, v.Value)).Order()];

    private static string VariableStack(int port, string version) => $$"""
        x-tidegate:
          version: "{{version}}"
          variables:
            VERSION:
              type: string
            HEALTH_FAIL:
              type: string
        services:
          web:
            image: {{TestImages.Web100}}
            environment:
              VERSION: "${VERSION}"
              HEALTH_FAIL: "${HEALTH_FAIL}"
            ports:
              - "127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}}:8080"
            healthcheck:
              test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/health"]
              interval: 1s
              timeout: 2s
              retries: 2
            stop_grace_period: 1s
        """;

    /// <summary>A stop that a dead process left running: operation Running, its lock held by that process.</summary>
    private async Task<(DeploymentRecord, OperationRecord)> InterruptedStopAsync(string environmentId, string name)
    {
        var deployment = (await Store.Deployments.CreateAsync(new NewDeployment(environmentId, name, "test:web:web", "web", "1.0.0"), [], Ct)).ValueOrThrow();
        var operation = await Store.Operations.CreateAsync(new NewOperation(deployment.Id, name, OperationKind.Stop, "tester"), Ct);
        await Store.Operations.TransitionAsync(operation.Id, OperationStatus.Running, null, Ct);
        await Store.Locks.AcquireAsync(deployment.Id, operation.Id, "a-process-that-died", TimeSpan.FromHours(1), Ct);
        var stepped = await Store.Operations.BeginStepAsync(operation.Id, "stop", null, Ct);
        Assert.Equal(1, stepped.Seq);
        return (deployment, operation);
    }

    private static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan by, Func<int> calls, int expected)
    {
        await Wait.UntilAsync(_ => Task.FromResult(time.ActiveTimers), n => n > 0, "the lease waiting for its next renewal");
        time.Advance(by);
        await Wait.UntilAsync(_ => Task.FromResult(calls()), n => n >= expected, $"renewal attempt {expected}");
    }
}
