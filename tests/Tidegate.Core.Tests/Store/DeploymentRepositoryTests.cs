using Microsoft.Data.Sqlite;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class DeploymentRepositoryTests : IAsyncLifetime
{
    private StoreFixture _f = null!;
    private DeploymentEnvironment _env = null!;
    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        _f = await StoreFixture.CreateAsync();
        _env = await _f.AddEnvironmentAsync();
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Create_ThenGet_ReturnsTheDeployment()
    {
        var created = await _f.AddDeploymentAsync(_env.Id, "web");

        Assert.Equal(created, await _f.Store.Deployments.GetAsync(created.Id, Ct));
        Assert.Equal(created, await _f.Store.Deployments.GetByNameAsync(_env.Id, "web", Ct));
        Assert.Equal(OperationMode.Normal, created.Mode);
        Assert.Null(created.CurrentRevision);
    }

    [Fact]
    public async Task Name_IsUniquePerEnvironment_NotGlobally()
    {
        var other = await _f.AddEnvironmentAsync("other");
        await _f.AddDeploymentAsync(_env.Id, "web");

        var duplicate = await _f.Store.Deployments.CreateAsync(new NewDeployment(_env.Id, "web", "s", "p", "1.0.0"), [], Ct);
        var elsewhere = await _f.Store.Deployments.CreateAsync(new NewDeployment(other.Id, "web", "s", "p", "1.0.0"), [], Ct);

        Assert.IsType<SaveResult<DeploymentRecord>.Duplicate>(duplicate);
        Assert.IsType<SaveResult<DeploymentRecord>.Saved>(elsewhere);
    }

    [Fact]
    public async Task Create_InUnknownEnvironment_FailsOnForeignKey()
    {
        var ex = await Assert.ThrowsAsync<SqliteException>(
            () => _f.Store.Deployments.CreateAsync(new NewDeployment("missing", "web", "s", "p", "1.0.0"), [], Ct));

        Assert.True(StoreDatabase.IsForeignKeyViolation(ex));
    }

    [Fact]
    public async Task Variables_SecretsNeverStoredInClear()
    {
        var d = await _f.AddDeploymentAsync(_env.Id, "web",
            [new VariableValue("ADMIN_PASSWORD", "pa55-w0rd!", true), new VariableValue("PORT", "8080", false)]);

        Assert.DoesNotContain("pa55-w0rd!", await _f.RawAsync("SELECT group_concat(value) FROM deployment_variables"), StringComparison.Ordinal);
        Assert.Equal(Masked.Value, (await _f.Store.Deployments.ListVariablesAsync(d.Id, Ct)).Single(v => v.IsSecret).Value);
        Assert.Equal("pa55-w0rd!", (await _f.Store.Deployments.GetVariablesWithSecretsAsync(d.Id, Ct)).Single(v => v.IsSecret).Value);
    }

    [Fact]
    public async Task Create_WithTheSameVariableTwice_IsRejectedAndNothingIsSaved()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => _f.AddDeploymentAsync(_env.Id, "web",
            [new VariableValue("A", "1", false), new VariableValue("A", "2", false)]));

        Assert.Contains("'A'", ex.Message, StringComparison.Ordinal);
        Assert.Null(await _f.Store.Deployments.GetByNameAsync(_env.Id, "web", Ct));
    }

    [Fact]
    public async Task SetRunningRevision_SetsLastSuccessfulOnlyOnSuccess()
    {
        var d = await _f.AddDeploymentAsync(_env.Id);
        await _f.Store.Deployments.SetRunningRevisionAsync(d.Id, "demo:web:web", "web", "1.0.0", 1, succeeded: true, Ct);
        await _f.Store.Deployments.SetRunningRevisionAsync(d.Id, "demo:web:web", "web", "2.0.0", 2, succeeded: false, Ct);

        var read = (await _f.Store.Deployments.GetAsync(d.Id, Ct))!;

        Assert.Equal((2, 1, "2.0.0"), (read.CurrentRevision, read.LastSuccessfulRevision, read.Version));
    }

    [Fact]
    public async Task List_FiltersByEnvironment_AndPages()
    {
        var other = await _f.AddEnvironmentAsync("other");
        for (var i = 0; i < 7; i++)
        {
            await _f.AddDeploymentAsync(_env.Id, $"d{i}");
        }

        await _f.AddDeploymentAsync(other.Id, "x");

        var all = await _f.Store.Deployments.ListAsync(null, new Page(5, 0), Ct);
        var mine = await _f.Store.Deployments.ListAsync(_env.Id, new Page(5, 5), Ct);

        Assert.Equal(8, all.Total);
        Assert.Equal(5, all.Items.Count);
        Assert.Equal(7, mine.Total);
        Assert.Equal(["d5", "d6"], mine.Items.Select(d => d.Name));
    }

    [Fact]
    public async Task Delete_CascadesToItsData_ButKeepsOperationsAndAuditEntries()
    {
        var d = await _f.AddDeploymentAsync(_env.Id, "web", [new VariableValue("A", "1", false)]);
        await _f.Store.Revisions.AddAsync(RevisionRepositoryTests.NewRevisionFor(d.Id), Ct);
        await _f.Store.Snapshots.CreateAsync(new NewSnapshot(d.Id, null, 1, "1.0.0", "Before upgrade", "{}"), Ct);
        await _f.Store.OperationModes.ChangeAsync(d.Id, OperationMode.Maintenance, "patch", "admin", Ct);
        var op = await _f.Store.Operations.CreateAsync(new NewOperation(d.Id, d.Name, OperationKind.Remove, "admin"), Ct);
        await _f.Store.Locks.AcquireAsync(d.Id, op.Id, "host", TimeSpan.FromMinutes(1), Ct);
        await _f.Store.AuditLog.AppendAsync(new NewAuditEntry("admin", "deployment.remove", d.Id, AuditResult.Succeeded), Ct);

        Assert.True(await _f.Store.Deployments.DeleteAsync(d.Id, Ct));

        foreach (var table in new[] { "deployment_variables", "revisions", "snapshots", "mode_history", "deployment_locks" })
        {
            Assert.Equal("0", await _f.RawAsync($"SELECT CAST(COUNT(*) AS TEXT) FROM {table}"));
        }

        var kept = (await _f.Store.Operations.GetAsync(op.Id, Ct))!;
        Assert.Null(kept.DeploymentId);
        Assert.Equal("web", kept.DeploymentName);
        Assert.Equal(1, (await _f.Store.AuditLog.QueryAsync(new AuditQuery(Target: d.Id), Page.First(), Ct)).Total);
    }
}
