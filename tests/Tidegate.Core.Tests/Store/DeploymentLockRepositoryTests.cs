using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class DeploymentLockRepositoryTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private StoreFixture _f = null!;
    private DeploymentRecord _d = null!;
    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        _f = await StoreFixture.CreateAsync();
        _d = await _f.AddDeploymentAsync((await _f.AddEnvironmentAsync()).Id);
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Acquire_ConcurrentlyFromManyTasks_ExactlyOneWins()
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return (Op: $"op-{i}", Result: await _f.Store.Locks.AcquireAsync(_d.Id, $"op-{i}", $"host-{i}", Lease, Ct));
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(results, r => r.Result is LockAcquireResult.Acquired);
        var losers = results.Where(r => r.Result is LockAcquireResult.Held).ToList();
        Assert.Equal(31, losers.Count);
        Assert.All(losers, l => Assert.Equal(winner.Op, ((LockAcquireResult.Held)l.Result).OperationId));
        Assert.Equal(winner.Op, (await _f.Store.Locks.GetAsync(_d.Id, Ct))!.OperationId);
    }

    [Fact]
    public async Task Acquire_WhileHeld_NamesTheRunningOperation()
    {
        await _f.Store.Locks.AcquireAsync(_d.Id, "op-1", "host-a", Lease, Ct);

        var second = await _f.Store.Locks.AcquireAsync(_d.Id, "op-2", "host-b", Lease, Ct);

        var held = Assert.IsType<LockAcquireResult.Held>(second);
        Assert.Equal(("op-1", "host-a"), (held.OperationId, held.Holder));
        Assert.Equal(_f.Time.GetUtcNow() + Lease, held.ExpiresAt);
    }

    [Fact]
    public async Task Acquire_AfterLeaseExpired_TakesTheLockOver()
    {
        await _f.Store.Locks.AcquireAsync(_d.Id, "crashed-op", "host-a", Lease, Ct);
        _f.Time.Advance(Lease - TimeSpan.FromMilliseconds(1));
        Assert.IsType<LockAcquireResult.Held>(await _f.Store.Locks.AcquireAsync(_d.Id, "op-2", "host-b", Lease, Ct));

        _f.Time.Advance(TimeSpan.FromMilliseconds(1));
        var taken = await _f.Store.Locks.AcquireAsync(_d.Id, "op-2", "host-b", Lease, Ct);

        Assert.IsType<LockAcquireResult.Acquired>(taken);
        Assert.Equal(LeaseRenewal.Lost, await _f.Store.Locks.RenewAsync(_d.Id, "crashed-op", "host-a", Lease, Ct));
        Assert.False(await _f.Store.Locks.ReleaseAsync(_d.Id, "crashed-op", Ct));
        Assert.Equal("op-2", (await _f.Store.Locks.GetAsync(_d.Id, Ct))!.OperationId);
    }

    [Fact]
    public async Task Renew_ExtendsTheLease()
    {
        await _f.Store.Locks.AcquireAsync(_d.Id, "op-1", "host-a", Lease, Ct);
        _f.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(LeaseRenewal.Renewed, await _f.Store.Locks.RenewAsync(_d.Id, "op-1", "host-a", Lease, Ct));
        _f.Time.Advance(TimeSpan.FromSeconds(20));

        Assert.IsType<LockAcquireResult.Held>(await _f.Store.Locks.AcquireAsync(_d.Id, "op-2", "host-b", Lease, Ct));
    }

    [Fact]
    public async Task Renew_AfterTheLeaseExpired_IsExpired_AndByAnotherHolder_IsLost_NeitherExtendsIt()
    {
        await _f.Store.Locks.AcquireAsync(_d.Id, "op-1", "host-a", Lease, Ct);
        Assert.Equal(LeaseRenewal.Lost, await _f.Store.Locks.RenewAsync(_d.Id, "op-1", "host-b", Lease, Ct));
        _f.Time.Advance(Lease);

        Assert.Equal(LeaseRenewal.Expired, await _f.Store.Locks.RenewAsync(_d.Id, "op-1", "host-a", Lease, Ct));
        Assert.IsType<LockAcquireResult.Acquired>(await _f.Store.Locks.AcquireAsync(_d.Id, "op-2", "host-b", Lease, Ct));
    }

    [Fact]
    public async Task Release_FreesTheLock_OnlyForTheHolder()
    {
        await _f.Store.Locks.AcquireAsync(_d.Id, "op-1", "host-a", Lease, Ct);

        Assert.False(await _f.Store.Locks.ReleaseAsync(_d.Id, "op-2", Ct));
        Assert.True(await _f.Store.Locks.ReleaseAsync(_d.Id, "op-1", Ct));
        Assert.Null(await _f.Store.Locks.GetAsync(_d.Id, Ct));
        Assert.IsType<LockAcquireResult.Acquired>(await _f.Store.Locks.AcquireAsync(_d.Id, "op-2", "host-b", Lease, Ct));
    }

    [Fact]
    public async Task Acquire_BySameOperation_IsReentrant()
    {
        await _f.Store.Locks.AcquireAsync(_d.Id, "op-1", "host-a", Lease, Ct);

        Assert.IsType<LockAcquireResult.Acquired>(await _f.Store.Locks.AcquireAsync(_d.Id, "op-1", "host-a", Lease, Ct));
    }

    [Fact]
    public async Task Locks_OfDifferentDeployments_AreIndependent()
    {
        var other = await _f.AddDeploymentAsync(_d.EnvironmentId, "other");
        await _f.Store.Locks.AcquireAsync(_d.Id, "op-1", "host-a", Lease, Ct);

        Assert.IsType<LockAcquireResult.Acquired>(await _f.Store.Locks.AcquireAsync(other.Id, "op-2", "host-a", Lease, Ct));
    }
}
