using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class OperationRepositoryTests : IAsyncLifetime
{
    private StoreFixture _f = null!;
    private DeploymentRecord _d = null!;
    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        _f = await StoreFixture.CreateAsync();
        _d = await _f.AddDeploymentAsync((await _f.AddEnvironmentAsync()).Id);
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<OperationRecord> NewOperationAsync(OperationKind kind = OperationKind.Upgrade) =>
        _f.Store.Operations.CreateAsync(new NewOperation(_d.Id, _d.Name, kind, "admin", "session-1"), Ct);

    [Fact]
    public async Task Lifecycle_SetsStartAndFinishTimes()
    {
        var op = await NewOperationAsync();
        Assert.Equal(OperationStatus.Pending, op.Status);

        _f.Time.Advance(TimeSpan.FromSeconds(1));
        var running = (await _f.Store.Operations.TransitionAsync(op.Id, OperationStatus.Running, null, Ct))!;
        await _f.Store.Operations.ReportProgressAsync(op.Id, "PullingImages", 40, Ct);
        _f.Time.Advance(TimeSpan.FromSeconds(5));
        var done = (await _f.Store.Operations.TransitionAsync(op.Id, OperationStatus.Succeeded, null, Ct))!;

        Assert.Equal(op.CreatedAt.AddSeconds(1), running.StartedAt);
        Assert.Null(running.FinishedAt);
        Assert.Equal(op.CreatedAt.AddSeconds(6), done.FinishedAt);
        var read = (await _f.Store.Operations.GetAsync(op.Id, Ct))!;
        Assert.Equal(done, read);
        Assert.Equal("PullingImages", read.Phase);
        Assert.Equal(100, read.Percent);
    }

    [Fact]
    public async Task Transition_Illegal_ThrowsAndLeavesStatusUnchanged()
    {
        var op = await NewOperationAsync();
        await _f.Store.Operations.TransitionAsync(op.Id, OperationStatus.Running, null, Ct);
        await _f.Store.Operations.TransitionAsync(op.Id, OperationStatus.Failed, "health check failed", Ct);

        var ex = await Assert.ThrowsAsync<IllegalOperationTransitionException>(
            () => _f.Store.Operations.TransitionAsync(op.Id, OperationStatus.Running, null, Ct));

        Assert.Equal(OperationStatus.Failed, ex.From);
        var read = (await _f.Store.Operations.GetAsync(op.Id, Ct))!;
        Assert.Equal(OperationStatus.Failed, read.Status);
        Assert.Equal("health check failed", read.Error);
        Assert.Null(await _f.Store.Operations.TransitionAsync("missing", OperationStatus.Running, null, Ct));
    }

    [Fact]
    public async Task Journal_FindsTheLastStepThatBeganButNeverEnded()
    {
        var op = await NewOperationAsync();
        await _f.Store.Operations.TransitionAsync(op.Id, OperationStatus.Running, null, Ct);
        var pull = await _f.Store.Operations.BeginStepAsync(op.Id, "pull", """{"images":["web:2.0.0"]}""", Ct);
        Assert.True(await _f.Store.Operations.EndStepAsync(op.Id, pull.Seq, StepStatus.Succeeded, null, Ct));
        var stop = await _f.Store.Operations.BeginStepAsync(op.Id, "stop-old", """{"containers":["web-1"]}""", Ct);
        // Crash here: "stop-old" was journaled before acting and never ended.

        var unfinished = await _f.Store.Operations.GetLastUnfinishedStepAsync(op.Id, Ct);

        Assert.Equal((2, "stop-old", StepStatus.Running), (unfinished!.Seq, unfinished.Name, unfinished.Status));
        Assert.Equal(stop, unfinished);
        var steps = await _f.Store.Operations.ListStepsAsync(op.Id, Ct);
        Assert.Equal(["pull", "stop-old"], steps.Select(s => s.Name));
        Assert.Equal("""{"images":["web:2.0.0"]}""", steps[0].Detail);
        Assert.NotNull(steps[0].FinishedAt);
    }

    [Fact]
    public async Task EndStep_Twice_IsRefused()
    {
        var op = await NewOperationAsync();
        var step = await _f.Store.Operations.BeginStepAsync(op.Id, "start", null, Ct);

        Assert.True(await _f.Store.Operations.EndStepAsync(op.Id, step.Seq, StepStatus.Failed, """{"error":"exit 1"}""", Ct));
        Assert.False(await _f.Store.Operations.EndStepAsync(op.Id, step.Seq, StepStatus.Succeeded, null, Ct));
        Assert.Null(await _f.Store.Operations.GetLastUnfinishedStepAsync(op.Id, Ct));
        Assert.Equal(StepStatus.Failed, (await _f.Store.Operations.ListStepsAsync(op.Id, Ct))[0].Status);
        await Assert.ThrowsAsync<ArgumentException>(() => _f.Store.Operations.EndStepAsync(op.Id, step.Seq, StepStatus.Running, null, Ct));
    }

    [Fact]
    public async Task ListUnfinished_ReturnsPendingRunningAndInterrupted()
    {
        var pending = await NewOperationAsync();
        var running = await NewOperationAsync();
        await _f.Store.Operations.TransitionAsync(running.Id, OperationStatus.Running, null, Ct);
        var interrupted = await NewOperationAsync();
        await _f.Store.Operations.TransitionAsync(interrupted.Id, OperationStatus.Interrupted, "process restarted", Ct);
        var done = await NewOperationAsync();
        await _f.Store.Operations.TransitionAsync(done.Id, OperationStatus.Cancelled, null, Ct);

        var unfinished = await _f.Store.Operations.ListUnfinishedAsync(Ct);

        Assert.Equal(new[] { pending.Id, running.Id, interrupted.Id }.Order(), unfinished.Select(o => o.Id).Order());
    }

    [Fact]
    public async Task List_FiltersAndPages()
    {
        for (var i = 0; i < 6; i++)
        {
            var op = await NewOperationAsync();
            _f.Time.Advance(TimeSpan.FromSeconds(1));
            if (i % 2 == 0)
            {
                await _f.Store.Operations.TransitionAsync(op.Id, OperationStatus.Cancelled, null, Ct);
            }
        }

        var cancelled = await _f.Store.Operations.ListAsync(_d.Id, OperationStatus.Cancelled, new Page(2, 0), Ct);
        var all = await _f.Store.Operations.ListAsync(null, null, Page.First(), Ct);

        Assert.Equal(3, cancelled.Total);
        Assert.Equal(2, cancelled.Items.Count);
        Assert.True(cancelled.HasMore);
        Assert.Equal(6, all.Total);
        Assert.True(all.Items[0].CreatedAt > all.Items[^1].CreatedAt);
    }

    [Fact]
    public async Task ProgressEvents_ReplayAfterAnId_InOrder()
    {
        var op = await NewOperationAsync();
        var other = await NewOperationAsync();
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await _f.Store.ProgressEvents.AppendAsync(new NewProgressEvent(op.Id, _d.Id, "session-1", ProgressEventKind.Progress,
                "Pulling", $"step {i}", i * 20, "web", 2, 0), Ct)).Id);
            await _f.Store.ProgressEvents.AppendAsync(new NewProgressEvent(other.Id, _d.Id, "session-2", ProgressEventKind.Progress, "x", "y"), Ct);
        }

        var replay = await _f.Store.ProgressEvents.ListAfterAsync(ids[1], op.Id, null, 100, Ct);
        var bySession = await _f.Store.ProgressEvents.ListAfterAsync(0, null, "session-2", 100, Ct);
        var global = await _f.Store.ProgressEvents.ListAfterAsync(0, null, null, 3, Ct);

        Assert.Equal(ids.Skip(2), replay.Select(e => e.Id));
        Assert.Equal(["step 2", "step 3", "step 4"], replay.Select(e => e.Message));
        Assert.Equal(40, replay[0].Percent);
        Assert.Equal(5, bySession.Count);
        Assert.All(bySession, e => Assert.Equal(other.Id, e.OperationId));
        Assert.Equal(3, global.Count);
        Assert.True(global.Zip(global.Skip(1)).All(p => p.First.Id < p.Second.Id));
    }

    [Fact]
    public async Task ProgressEvents_IdsAreNeverReused_AfterOperationDeletion()
    {
        var op = await NewOperationAsync();
        var first = await _f.Store.ProgressEvents.AppendAsync(new NewProgressEvent(op.Id, _d.Id, null, ProgressEventKind.Completed, null, "done"), Ct);
        await using (var uow = await _f.Store.Database.OpenAsync(Ct))
        {
            await uow.ExecuteAsync("DELETE FROM operations WHERE id = @id", Ct, ("@id", op.Id));
        }

        var next = await NewOperationAsync();
        var second = await _f.Store.ProgressEvents.AppendAsync(new NewProgressEvent(next.Id, _d.Id, null, ProgressEventKind.Progress, null, "x"), Ct);

        Assert.True(second.Id > first.Id);
    }
}
