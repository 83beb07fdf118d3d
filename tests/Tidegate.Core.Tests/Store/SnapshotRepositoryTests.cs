using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class SnapshotRepositoryTests : IAsyncLifetime
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
    public async Task Create_ThenLatestKept_ReturnsNewest()
    {
        await _f.Store.Snapshots.CreateAsync(new NewSnapshot(_d.Id, null, 1, "1.0.0", "Before upgrade to v1.1.0", "{}"), Ct);
        _f.Time.Advance(TimeSpan.FromMinutes(1));
        var newest = await _f.Store.Snapshots.CreateAsync(
            new NewSnapshot(_d.Id, "op", 2, "1.1.0", "Before upgrade to v2.0.0", """{"containers":[{"name":"web"}]}"""), Ct);

        Assert.Equal(newest, await _f.Store.Snapshots.GetLatestKeptAsync(_d.Id, Ct));
        Assert.True(await _f.Store.Snapshots.SetHookOutcomeAsync(newest.Id, "backup ok", Ct));
        Assert.Equal("backup ok", (await _f.Store.Snapshots.GetAsync(newest.Id, Ct))!.HookOutcome);
    }

    [Fact]
    public async Task MarkDeleted_KeepsTheRowAsHistory()
    {
        var s = await _f.Store.Snapshots.CreateAsync(new NewSnapshot(_d.Id, null, 1, "1.0.0", "Before upgrade", "{}"), Ct);

        Assert.True(await _f.Store.Snapshots.MarkDeletedAsync(s.Id, Ct));
        Assert.False(await _f.Store.Snapshots.MarkDeletedAsync(s.Id, Ct));

        var read = (await _f.Store.Snapshots.GetAsync(s.Id, Ct))!;
        Assert.Equal(SnapshotState.Deleted, read.State);
        Assert.NotNull(read.DeletedAt);
        Assert.Null(await _f.Store.Snapshots.GetLatestKeptAsync(_d.Id, Ct));
    }

    [Fact]
    public async Task Retention_MarksAllButNewestNDeleted()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await _f.Store.Snapshots.CreateAsync(new NewSnapshot(_d.Id, null, i, "1.0.0", $"s{i}", "{}"), Ct)).Id);
            _f.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var deleted = await _f.Store.Snapshots.ApplyRetentionAsync(_d.Id, 2, Ct);

        Assert.Equal(ids.Take(3).Order(), deleted.Order());
        var list = await _f.Store.Snapshots.ListAsync(_d.Id, Page.First(), Ct);
        Assert.Equal(5, list.Total);
        Assert.Equal([SnapshotState.Kept, SnapshotState.Kept, SnapshotState.Deleted, SnapshotState.Deleted, SnapshotState.Deleted],
            list.Items.Select(s => s.State));
    }

    [Fact]
    public async Task Metadata_AddListAndRetention()
    {
        for (var i = 1; i <= 4; i++)
        {
            await _f.Store.Snapshots.AddMetadataAsync(new NewDeploymentMetadata(_d.Id, null, i, $"1.0.{i}",
                new Dictionary<string, string> { ["web:1.0." + i] = "sha256:" + i }, "ok", "ok", "healthy"), Ct);
            _f.Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(2, await _f.Store.Snapshots.ApplyMetadataRetentionAsync(_d.Id, 2, Ct));

        var list = await _f.Store.Snapshots.ListMetadataAsync(_d.Id, Page.First(), Ct);
        Assert.Equal([4, 3], list.Items.Select(m => m.Revision!.Value));
        Assert.Equal("sha256:4", list.Items[0].Images["web:1.0.4"]);
        Assert.Equal("healthy", list.Items[0].HealthResult);
    }
}
