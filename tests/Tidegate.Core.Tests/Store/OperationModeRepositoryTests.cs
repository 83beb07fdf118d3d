using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class OperationModeRepositoryTests : IAsyncLifetime
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

    [Fact]
    public async Task Change_UpdatesModeAndAppendsHistory()
    {
        var change = await _f.Store.OperationModes.ChangeAsync(_d.Id, OperationMode.Maintenance, "db patch", "observer:flag-file", Ct);
        _f.Time.Advance(TimeSpan.FromMinutes(10));
        await _f.Store.OperationModes.ChangeAsync(_d.Id, OperationMode.Normal, "patched", "observer:flag-file", Ct);

        Assert.Equal((OperationMode.Normal, OperationMode.Maintenance), (change!.From, change.To));
        Assert.Equal(OperationMode.Normal, (await _f.Store.Deployments.GetAsync(_d.Id, Ct))!.Mode);
        var history = await _f.Store.OperationModes.HistoryAsync(_d.Id, Page.First(), Ct);
        Assert.Equal(2, history.Total);
        Assert.Equal((OperationMode.Maintenance, OperationMode.Normal, "patched"), (history.Items[0].From, history.Items[0].To, history.Items[0].Reason));
        Assert.Equal(change, history.Items[1]);
    }

    [Fact]
    public async Task Change_Illegal_ThrowsNamingAllowedTargets_AndChangesNothing()
    {
        await _f.Store.OperationModes.ChangeAsync(_d.Id, OperationMode.Migrating, "upgrade", "admin", Ct);

        var ex = await Assert.ThrowsAsync<IllegalModeTransitionException>(
            () => _f.Store.OperationModes.ChangeAsync(_d.Id, OperationMode.Maintenance, "nope", "admin", Ct));

        Assert.Equal([OperationMode.Normal, OperationMode.Failed], ex.Allowed);
        Assert.Contains("Normal, Failed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(OperationMode.Migrating, (await _f.Store.Deployments.GetAsync(_d.Id, Ct))!.Mode);
        Assert.Equal(1, (await _f.Store.OperationModes.HistoryAsync(_d.Id, Page.First(), Ct)).Total);
    }

    [Fact]
    public async Task Change_ToSameMode_IsIllegal()
    {
        await Assert.ThrowsAsync<IllegalModeTransitionException>(
            () => _f.Store.OperationModes.ChangeAsync(_d.Id, OperationMode.Normal, null, "admin", Ct));
    }

    [Fact]
    public async Task Change_UnknownDeployment_ReturnsNull()
    {
        Assert.Null(await _f.Store.OperationModes.ChangeAsync("missing", OperationMode.Stopped, null, "admin", Ct));
    }

    [Fact]
    public async Task Change_Concurrently_FromTheSameMode_OnlyOneSucceeds()
    {
        // Two Normal→Stopped requests race; whichever runs second reads Stopped, and Stopped→Stopped is illegal.
        var a = Task.Run(() => Try(OperationMode.Stopped));
        var b = Task.Run(() => Try(OperationMode.Stopped));
        var results = await Task.WhenAll(a, b);

        Assert.Single(results, r => r);
        Assert.Equal(1, (await _f.Store.OperationModes.HistoryAsync(_d.Id, Page.First(), Ct)).Total);
    }

    private async Task<bool> Try(OperationMode to)
    {
        try
        {
            return await _f.Store.OperationModes.ChangeAsync(_d.Id, to, null, "admin", Ct) is not null;
        }
        catch (IllegalModeTransitionException)
        {
            return false;
        }
    }
}
