using Tidegate.Core.Engine;

namespace Tidegate.Core.Tests.Engine;

public sealed class OperationCancellationTests
{
    private readonly OperationCancellation _registry = new();

    [Fact]
    public void Cancel_BeforeThePointOfNoReturn_CancelsTheTokenAndStopsTheOperationPassingIt()
    {
        using var handle = _registry.Register("op1", "pull");

        var result = _registry.RequestCancel("op1", "alice");

        Assert.Equal(new CancelRequestResult.Requested("op1", "pull"), result);
        Assert.True(handle.Token.IsCancellationRequested);
        Assert.Equal("alice", handle.RequestedBy);
        Assert.False(handle.TryPassPointOfNoReturn("replacing containers"));
        Assert.Equal(new CancelRequestResult.AlreadyRequested("op1", "alice"), _registry.RequestCancel("op1", "bob"));
    }

    [Fact]
    public void Cancel_AfterThePointOfNoReturn_IsRefusedWithTheReason_AndTheTokenStaysUncancelled()
    {
        using var handle = _registry.Register("op1", "pull");
        Assert.True(handle.TryPassPointOfNoReturn("stopping the running containers"));

        var result = _registry.RequestCancel("op1", "alice");

        Assert.Equal(new CancelRequestResult.PastPointOfNoReturn("op1", "stopping the running containers"), result);
        Assert.False(handle.Token.IsCancellationRequested);
        Assert.False(_registry.IsCancellable("op1"));
    }

    [Fact]
    public void Cancel_OfAnUnknownOrEndedOperation_IsNotCancellable()
    {
        var handle = _registry.Register("op1", "pull");
        Assert.True(_registry.IsCancellable("op1"));
        handle.Dispose();

        Assert.Equal(new CancelRequestResult.NotCancellable("op1"), _registry.RequestCancel("op1", "alice"));
        Assert.Equal(new CancelRequestResult.NotCancellable("nope"), _registry.RequestCancel("nope", "alice"));
        using var again = _registry.Register("op1", "pull"); // the id is free again after disposal
    }

    [Fact]
    public void Register_Twice_Throws()
    {
        using var handle = _registry.Register("op1", "pull");

        Assert.Throws<InvalidOperationException>(() => _registry.Register("op1", "pull"));
    }

    [Fact]
    public void TheEngineStopping_CancelsTheTokenWithoutCountingAsAUserCancel()
    {
        using var stopping = new CancellationTokenSource();
        using var handle = _registry.Register("op1", "pull", stopping.Token);

        stopping.Cancel();

        Assert.True(handle.Token.IsCancellationRequested);
        Assert.False(handle.IsCancellationRequested);
    }

    [Fact]
    public async Task CancelRacingThePointOfNoReturn_ExactlyOneWins()
    {
        for (var i = 0; i < 200; i++)
        {
            using var handle = _registry.Register("race", "pull");
            using var start = new ManualResetEventSlim();
            var cancel = Task.Run(() =>
            {
                start.Wait();
                return _registry.RequestCancel("race", "alice");
            });
            var pass = Task.Run(() =>
            {
                start.Wait();
                return handle.TryPassPointOfNoReturn("retire");
            });
            start.Set();
            var (cancelled, passed) = (await cancel, await pass);

            Assert.True(cancelled is CancelRequestResult.Requested != passed, $"run {i}: cancel {cancelled}, passed {passed}");
            Assert.Equal(!passed, handle.Token.IsCancellationRequested);
        }
    }
}
