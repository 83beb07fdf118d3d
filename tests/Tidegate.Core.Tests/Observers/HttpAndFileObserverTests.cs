using Tidegate.Core.Deployments;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Observers;

/// <summary>The http observer against an endpoint served by the test on 127.0.0.1, the file observer on real flag files, and
/// the ownership and flapping rules.</summary>
public sealed class HttpAndFileObserverTests(DockerDaemonFixture fixture) : ObserverTest(fixture)
{
    private string Flag => Path.Combine(FlagDirectory, "maintenance.flag");

    [Fact]
    public async Task Http_StatusAndJsonPath_FlipTheMode()
    {
        using var endpoint = StatusEndpoint.Start();
        endpoint.Answer(200, """{"system": {"maintenance": false}}""");
        var byStatus = Observer(Settings($"type=http;url={endpoint.Url};maintenanceValue=503;normalValue=200;pollingInterval=1s"));
        var byJson = Observer(Settings($"type=http;url={endpoint.Url};jsonPath=$.system.maintenance;maintenanceValue=true;normalValue=false;pollingInterval=1s"));

        Assert.Equal(("ok", "200"), ((await PollAsync(byStatus)).Health, (await PollAsync(byStatus)).LastValue));
        Assert.Equal("false", (await PollAsync(byJson)).LastValue);

        endpoint.Answer(503, """{"system": {"maintenance": true}}""");
        await PollAsync(byStatus);
        Assert.Equal(OperationMode.Maintenance, await ModeAsync());
        endpoint.Answer(200, """{"system": {"maintenance": false}}""");
        await PollAsync(byStatus);
        Assert.Equal(OperationMode.Normal, await ModeAsync());

        endpoint.Answer(200, """{"system": {"maintenance": true}}""");
        Assert.Equal("true", (await PollAsync(byJson)).LastValue);
        Assert.Equal(OperationMode.Maintenance, await ModeAsync());
        endpoint.Answer(200, """{"system": {"maintenance": false}}""");
        await PollAsync(byJson);
        Assert.Equal(OperationMode.Normal, await ModeAsync());
        Assert.All(await HistoryAsync(), h => Assert.Equal("observer:http", h.ChangedBy));
    }

    [Fact]
    public async Task Http_Unreachable_IsAnObserverError_AndTheModeStays()
    {
        var port = FreePort.Next();
        var observer = Observer(Settings($"type=http;url=http://127.0.0.1:{port}/status;maintenanceValue=503;pollingInterval=1s;timeout=2s"));

        var status = await PollAsync(observer);

        Assert.Equal(("error", "http-unreachable"), (status.Health, status.ErrorCode));
        Assert.Equal(OperationMode.Normal, await ModeAsync());
    }

    [Fact]
    public async Task File_ExistsMeansMaintenance_MissingMeansNormal()
    {
        var observer = Observer(Settings($"type=file;path={Flag};maintenanceValue=exists;normalValue=missing;pollingInterval=1s"));

        Assert.Equal("missing", (await PollAsync(observer)).LastValue);
        await File.WriteAllTextAsync(Flag, "", Ct);
        Assert.Equal("exists", (await PollAsync(observer)).LastValue);
        Assert.Equal(OperationMode.Maintenance, await ModeAsync());
        File.Delete(Flag);
        await PollAsync(observer);
        Assert.Equal(OperationMode.Normal, await ModeAsync());
    }

    [Fact]
    public async Task File_ContentRegex_DecidesAndAMissingFileIsAnError()
    {
        var observer = Observer(Settings($"type=file;path={Flag};match=regex;maintenanceValue=^(on|maintenance)$;normalValue=^off$;pollingInterval=1s"));

        var status = await PollAsync(observer);
        Assert.Equal(("error", "file-missing"), (status.Health, status.ErrorCode));

        // A file's content is never echoed, nor its length (the API must not read host files).
        await File.WriteAllTextAsync(Flag, "root:secret-hash", Ct);
        status = await PollAsync(observer);
        Assert.Equal(("error", "unknown-value", "did not match"), (status.Health, status.ErrorCode, status.LastValue));
        Assert.DoesNotContain("secret-hash", status.LastValue + status.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("16", status.LastValue + status.Error, StringComparison.Ordinal);

        await File.WriteAllTextAsync(Flag, "maintenance\n", Ct);
        Assert.Equal("matched the maintenance pattern", (await PollAsync(observer)).LastValue);
        Assert.Equal(OperationMode.Maintenance, await ModeAsync());
        await File.WriteAllTextAsync(Flag, "off", Ct);
        await PollAsync(observer);
        Assert.Equal(OperationMode.Normal, await ModeAsync());
    }

    [Fact]
    public async Task Flapping_AValueMustHoldForStablePolls_BeforeTheModeChanges()
    {
        var observer = Observer(Settings($"type=file;path={Flag};maintenanceValue=exists;normalValue=missing;pollingInterval=1s;stablePolls=3"));
        await PollAsync(observer);

        await File.WriteAllTextAsync(Flag, "", Ct);
        Assert.Equal(1, (await PollAsync(observer)).AgreeingPolls);
        File.Delete(Flag); // a flap
        await PollAsync(observer);
        await File.WriteAllTextAsync(Flag, "", Ct);
        await PollAsync(observer);
        await PollAsync(observer);
        Assert.Equal(OperationMode.Normal, await ModeAsync());
        Assert.Equal(3, (await PollAsync(observer)).AgreeingPolls);
        Assert.Equal(OperationMode.Maintenance, await ModeAsync());
        Assert.Single(await HistoryAsync());
    }

    [Fact]
    public async Task Ownership_ManualMaintenanceIsNotEndedByAnObserver()
    {
        var observer = Observer(Settings($"type=file;path={Flag};maintenanceValue=exists;normalValue=missing;pollingInterval=1s"));
        await ChangeAndWaitAsync(OperationMode.Maintenance, "alice");

        var status = await PollAsync(observer);

        Assert.Equal(OperationMode.Maintenance, await ModeAsync());
        Assert.Equal("alice", status.Owner);
        Assert.Contains("alice", status.LastAction, StringComparison.Ordinal);
        await ChangeAndWaitAsync(OperationMode.Normal, "alice");
        Assert.Equal(["alice", "alice"], (await HistoryAsync()).Select(h => h.ChangedBy));
    }

    [Fact]
    public async Task Ownership_ObserverMaintenanceNeedsAnOverrideToEndByHand_AndTheObserverThenWaitsForNormal()
    {
        var observer = Observer(Settings($"type=file;path={Flag};maintenanceValue=exists;normalValue=missing;pollingInterval=1s"));
        await File.WriteAllTextAsync(Flag, "", Ct);
        await PollAsync(observer);
        Assert.Equal(OperationMode.Maintenance, await ModeAsync());

        var refused = Assert.IsType<ModeChangeResult.NotOwner>(await ChangeAsync(OperationMode.Normal, "bob"));
        Assert.Equal("observer:file", refused.Owner);
        Assert.Equal(OperationMode.Maintenance, await ModeAsync());

        await ChangeAndWaitAsync(OperationMode.Normal, "admin", overriding: true);
        // The flag is still there: the observer does not take the deployment back into maintenance until its signal changes.
        await PollAsync(observer);
        Assert.Equal(OperationMode.Normal, await ModeAsync());
        File.Delete(Flag);
        await PollAsync(observer);
        await File.WriteAllTextAsync(Flag, "", Ct);
        await PollAsync(observer);
        Assert.Equal(OperationMode.Maintenance, await ModeAsync());
        Assert.Equal(["observer:file", "admin", "observer:file"], (await HistoryAsync()).Select(h => h.ChangedBy));
    }

    [Fact]
    public async Task RunAsync_HonoursAOneSecondPollingInterval()
    {
        var observer = Observer(Settings($"type=file;path={Flag};maintenanceValue=exists;normalValue=missing;pollingInterval=1s"));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = observer.RunAsync(stop.Token);

        await File.WriteAllTextAsync(Flag, "", Ct);
        await Wait.UntilAsync(_ => ModeAsync(), m => m == OperationMode.Maintenance, "the observer to enter maintenance", TimeSpan.FromSeconds(10), Ct);
        await stop.CancelAsync();
        await running;
    }

    /// <summary>An HTTP endpoint on 127.0.0.1 whose status and body the test sets.</summary>
    private sealed class StatusEndpoint : IDisposable
    {
        private readonly TestEndpoint _endpoint;
        private volatile Tuple<int, string> _answer = Tuple.Create(200, "");

        private StatusEndpoint() => _endpoint = TestEndpoint.Start(_ => (_answer.Item1, _answer.Item2));

        public string Url => _endpoint.Url;

        public static StatusEndpoint Start() => new();

        public void Answer(int status, string body) => _answer = Tuple.Create(status, body);

        public void Dispose() => _endpoint.Dispose();
    }
}
