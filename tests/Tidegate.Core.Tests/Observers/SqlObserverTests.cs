using Npgsql;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Observers;

/// <summary>The SQL observers against a real PostgreSQL (Debian's package, started by <see cref="PostgresFixture"/>).</summary>
public sealed class SqlObserverTests(DockerDaemonFixture fixture, PostgresFixture postgres) : ObserverTest(fixture), IClassFixture<PostgresFixture>
{
    private string _database = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _database = "erp_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync("postgres", $"CREATE DATABASE {_database}");
        await ExecuteAsync(_database, "CREATE TABLE system_state (key text PRIMARY KEY, value text NOT NULL); INSERT INTO system_state VALUES ('maintenance', '0')");
    }

    [Fact]
    public async Task SqlQuery_FlipsToMaintenanceOnAnUpdate_AndBack()
    {
        var observer = Observer(Connected(Settings("type=sqlQuery;connectionSecret=ERP_DB;maintenanceValue=1;normalValue=0;pollingInterval=1s",
            ("query", "SELECT value FROM system_state WHERE key = 'maintenance'")), postgres.Server.ConnectionString(_database)));

        var status = await PollAsync(observer);
        Assert.True(status.Health == "ok", status.Error);
        Assert.Equal(("0", OperationMode.Normal), (status.LastValue, await ModeAsync()));

        await ExecuteAsync(_database, "UPDATE system_state SET value = '1' WHERE key = 'maintenance'");
        status = await PollAsync(observer);
        Assert.Equal(("ok", "1", "Maintenance"), (status.Health, status.LastValue, status.ObservedMode));
        Assert.Equal(OperationMode.Maintenance, await ModeAsync());
        Assert.Equal(observer.Actor, status.Owner);

        await ExecuteAsync(_database, "UPDATE system_state SET value = '0' WHERE key = 'maintenance'");
        await PollAsync(observer);
        Assert.Equal(OperationMode.Normal, await ModeAsync());

        var history = await HistoryAsync();
        Assert.Equal([(OperationMode.Maintenance, OperationMode.Normal), (OperationMode.Normal, OperationMode.Maintenance)], history.Select(h => (h.From, h.To)));
        Assert.All(history, h => Assert.Equal("observer:sqlQuery", h.ChangedBy));
        Assert.Contains("'1'", history[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqlExtendedProperty_ReadsTheDatabaseSetting_AndFlipsWithAlterDatabase()
    {
        var observer = Observer(Connected(Settings(
            "type=sqlExtendedProperty;connectionSecret=ERP_DB;propertyName=ams.MaintenanceMode;maintenanceValue=1;normalValue=0;pollingInterval=1s"),
            postgres.Server.ConnectionString(_database)));
        await ExecuteAsync("postgres", $"ALTER DATABASE {_database} SET ams.MaintenanceMode = '0'");

        Assert.Equal("0", (await PollAsync(observer)).LastValue);
        Assert.Equal(OperationMode.Normal, await ModeAsync());

        // Set from another session: the observer reads the catalog, so it sees the change at its next poll.
        await ExecuteAsync("postgres", $"ALTER DATABASE {_database} SET ams.MaintenanceMode = '1'");
        Assert.Equal("1", (await PollAsync(observer)).LastValue);
        Assert.Equal(OperationMode.Maintenance, await ModeAsync());

        await ExecuteAsync("postgres", $"ALTER DATABASE {_database} SET ams.MaintenanceMode = '0'");
        await PollAsync(observer);
        Assert.Equal(OperationMode.Normal, await ModeAsync());
        Assert.All(await HistoryAsync(), h => Assert.Equal("observer:sqlExtendedProperty", h.ChangedBy));
    }

    [Fact]
    public async Task SqlQuery_WhenTheDatabaseRefuses_ReportsAnErrorAndLeavesTheModeAlone()
    {
        var badPassword = postgres.Server.ConnectionString(_database).Replace(postgres.Server.Password, "wrong-password", StringComparison.Ordinal);
        var observer = Observer(Connected(Settings("type=sqlQuery;connectionSecret=ERP_DB;maintenanceValue=1;normalValue=0;pollingInterval=1s",
            ("query", "SELECT value FROM system_state")), badPassword));

        var status = await PollAsync(observer);

        Assert.Equal("error", status.Health);
        Assert.Contains("PostgreSQL", status.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", status.Error, StringComparison.Ordinal);
        Assert.Equal(OperationMode.Normal, await ModeAsync());
        Assert.Empty(await HistoryAsync());

        // A value that is neither the maintenance nor the normal value is an error too, not a mode change.
        var unknown = Observer(Connected(Settings("type=sqlQuery;connectionSecret=ERP_DB;maintenanceValue=1;normalValue=0;pollingInterval=1s",
            ("query", "SELECT 'half-way'")), postgres.Server.ConnectionString(_database)));
        status = await PollAsync(unknown);
        Assert.Equal(("error", "did not match"), (status.Health, status.LastValue));
        Assert.Equal(OperationMode.Normal, await ModeAsync());
    }

    /// <summary>The connection string the server would read from the environment secret the settings name.</summary>
    private static Tidegate.Core.Observers.ObserverSettings Connected(Tidegate.Core.Observers.ObserverSettings settings, string connectionString) =>
        settings with { ConnectionString = connectionString };

    private async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(postgres.Server.ConnectionString(database));
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
