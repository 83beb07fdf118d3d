using Tidegate.Core.Observers;
using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Observers;

public sealed class ObserverSettingsParserTests
{
    private static Dictionary<string, string?> Values(string text) => text.Split(';', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : null, StringComparer.Ordinal);

    [Theory]
    [InlineData("type=file;path=/tmp/flag;maintenanceValue=exists;normalValue=missing;pollingInterval=1s", "File", 1000)]
    [InlineData("type=file;path=/tmp/flag;maintenanceValue=on;pollingInterval=30s", "File", 30000)]
    [InlineData("type=sqlQuery;connectionSecret=ERP_DB;query=SELECT 1;maintenanceValue=1;normalValue=0;pollingInterval=2m", "SqlQuery", 120000)]
    [InlineData("type=sqlExtendedProperty;connectionSecret=ERP_DB;propertyName=ams.MaintenanceMode;maintenanceValue=1;normalValue=0", "SqlExtendedProperty", 30000)]
    [InlineData("type=http;url=http://127.0.0.1:1/status;maintenanceValue=503;pollingInterval=5", "Http", 5000)]
    [InlineData("type=http;url=https://status.example/api;jsonPath=$.maintenance;maintenanceValue=true;pollingInterval=1m30s", "Http", 90000)]
    [InlineData("type=http;url=http://127.0.0.1:1/;source=body;match=regex;maintenanceValue=^MAINT;pollingInterval=1500ms", "Http", 1500)]
    [InlineData("type=file;path=/tmp/flag;maintenanceValue=exists;pollingInterval=00:00:10", "File", 10000)]
    public void Parse_ValidSettings_GivesTypeAndInterval(string text, string type, int intervalMs)
    {
        var (settings, errors) = ObserverSettingsParser.Parse(Values(text));

        Assert.Empty(errors);
        Assert.Equal(Enum.Parse<ObserverType>(type), settings!.Type);
        Assert.Equal(TimeSpan.FromMilliseconds(intervalMs), settings.PollingInterval);
    }

    [Theory]
    [InlineData("path=/tmp/f;maintenanceValue=exists", "type")]
    [InlineData("type=ftp;path=/tmp/f;maintenanceValue=exists", "type")]
    [InlineData("type=file;maintenanceValue=exists", "path")]
    [InlineData("type=file;path=relative/flag;maintenanceValue=exists", "path")]
    [InlineData("type=file;path=/tmp/f", "maintenanceValue")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;pollingInterval=500ms", "pollingInterval")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;pollingInterval=soon", "pollingInterval")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;timeout=0s", "timeout")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;stablePolls=0", "stablePolls")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;stablePolls=many", "stablePolls")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;colour=blue", "colour")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=(;match=regex", "maintenanceValue")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=x;match=fuzzy", "match")]
    [InlineData("type=sqlQuery;query=SELECT 1;maintenanceValue=1", "connectionSecret")]
    [InlineData("type=sqlQuery;connectionSecret=ERP_DB;connectionString=Host=x;query=SELECT 1;maintenanceValue=1", "connectionString")]
    [InlineData("type=sqlQuery;connectionSecret=Host=x;query=SELECT 1;maintenanceValue=1", "connectionSecret")]
    [InlineData("type=http;url=http://user:pw@h/x;maintenanceValue=503", "url")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;pollingInterval=99999999999999h", "pollingInterval")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;pollingInterval=25h", "pollingInterval")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;pollingInterval=1e300", "pollingInterval")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;pollingInterval=-5", "pollingInterval")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;pollingInterval=NaN", "pollingInterval")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;pollingInterval=10675199.02:48:05", "pollingInterval")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;timeout=2000h", "timeout")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;timeout=6m", "timeout")]
    [InlineData("type=file;path=/tmp/f;maintenanceValue=exists;timeout=500ms", "timeout")]
    [InlineData("type=sqlQuery;connectionSecret=ERP_DB;maintenanceValue=1", "query")]
    [InlineData("type=sqlExtendedProperty;connectionSecret=ERP_DB;maintenanceValue=1", "propertyName")]
    [InlineData("type=sqlExtendedProperty;connectionSecret=ERP_DB;propertyName=nodot;maintenanceValue=1", "propertyName")]
    [InlineData("type=http;maintenanceValue=503", "url")]
    [InlineData("type=http;url=ftp://host/x;maintenanceValue=503", "url")]
    [InlineData("type=http;url=http://h/x;source=jsonPath;maintenanceValue=1", "jsonPath")]
    [InlineData("type=http;url=http://h/x;source=headers;maintenanceValue=1", "source")]
    public void Parse_InvalidSettings_NamesTheField(string text, string field)
    {
        var (settings, errors) = ObserverSettingsParser.Parse(Values(text));

        Assert.Null(settings);
        Assert.True(errors.ContainsKey(field), $"expected an error for {field}, got {string.Join(", ", errors.Keys)}");
    }

    [Theory]
    [InlineData("SELECT 1; DROP TABLE t", false)]
    [InlineData("SELECT 1; COMMIT", false)]
    [InlineData("SELECT value FROM state;", true)]
    [InlineData("SELECT value FROM state", true)]
    public void Parse_Query_IsOneStatement(string query, bool valid)
    {
        var values = Values("type=sqlQuery;connectionSecret=ERP_DB;maintenanceValue=1");
        values["query"] = query;

        var (settings, errors) = ObserverSettingsParser.Parse(values);

        Assert.Equal(valid, settings is not null);
        Assert.Equal(!valid, errors.ContainsKey("query"));
    }

    [Fact]
    public void ToDisplay_NamesTheConnectionSecret_NeverAConnectionString_AndToStoredRoundTrips()
    {
        var (settings, _) = ObserverSettingsParser.Parse(Values("type=sqlQuery;connectionSecret=ERP_DB;query=SELECT 1;maintenanceValue=1;stablePolls=3"));
        var connected = settings! with { ConnectionString = "Host=db;Password=secret" };

        Assert.Equal("ERP_DB", connected.ToDisplay()["connectionSecret"]);
        Assert.False(connected.ToDisplay().ContainsKey("connectionString"));
        Assert.DoesNotContain(connected.ToStored().Values, v => v?.Contains("secret", StringComparison.Ordinal) == true);
        var (again, errors) = ObserverSettingsParser.Parse(settings.ToStored());
        Assert.Empty(errors);
        Assert.Equal(settings, again);
    }

    [Theory]
    [InlineData("exists", "missing", "exists", "Maintenance")]
    [InlineData("exists", "missing", "missing", "Normal")]
    [InlineData("1", "0", "1", "Maintenance")]
    [InlineData("1", "0", " 0 ", "Normal")]
    [InlineData("1", "0", "2", null)]
    [InlineData("1", null, "2", "Normal")]
    [InlineData("1", null, null, "Normal")]
    public void Classify_ComparesWithTheMaintenanceAndNormalValues(string maintenance, string? normal, string? value, string? expected)
    {
        var settings = new ObserverSettings { Type = ObserverType.File, Path = "/x", MaintenanceValue = maintenance, NormalValue = normal };

        Assert.Equal(expected, ObserverSignal.Classify(settings, value)?.ToString());
    }

    [Fact]
    public void Classify_WithRegex_MatchesTheBody()
    {
        var settings = new ObserverSettings { Type = ObserverType.Http, Url = "http://x/", MaintenanceValue = "^MAINT", NormalValue = "^OK", Match = ValueMatch.Regex };

        Assert.Equal(OperationMode.Maintenance, ObserverSignal.Classify(settings, "MAINTENANCE until 10:00"));
        Assert.Equal(OperationMode.Normal, ObserverSignal.Classify(settings, "OK"));
        Assert.Null(ObserverSignal.Classify(settings, "booting"));
    }

    [Fact]
    public void FlapGuard_CountsASignalOnlyAfterItHeldForTheConfiguredPolls()
    {
        var guard = new FlapGuard(3);

        Assert.Null(guard.Observe(OperationMode.Maintenance));
        Assert.Null(guard.Observe(OperationMode.Maintenance));
        Assert.Null(guard.Observe(OperationMode.Normal)); // a flap resets the streak
        Assert.Null(guard.Observe(OperationMode.Maintenance));
        Assert.Null(guard.Observe(OperationMode.Maintenance));
        Assert.Equal(OperationMode.Maintenance, guard.Observe(OperationMode.Maintenance));
        Assert.Equal(OperationMode.Maintenance, guard.Observe(OperationMode.Maintenance));
        guard.Reset();
        Assert.Null(guard.Observe(OperationMode.Maintenance));
    }

    [Theory]
    [InlineData("""{"maintenance": true}""", "$.maintenance", "true")]
    [InlineData("""{"status": {"mode": "maint"}}""", "$.status.mode", "maint")]
    [InlineData("""{"status": {"mode": "maint"}}""", "status.mode", "maint")]
    [InlineData("""{"items": [{"v": 1}, {"v": 2}]}""", "$.items[1].v", "2")]
    [InlineData("""{"a": null}""", "$.a", null)]
    [InlineData("""{"a": 1}""", "$.b", null)]
    [InlineData("""[[5]]""", "$[0][0]", "5")]
    public void JsonValue_FollowsASimplePath(string json, string path, string? expected)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);

        Assert.Equal(expected, ObserverProbes.JsonValue(document.RootElement, path));
    }
}
