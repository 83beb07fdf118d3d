using System.Globalization;
using Tidegate.Core.Edge;
using Tidegate.Core.Store;
using Tidegate.Core.Strategies;
using Tidegate.Core.Tests.Engine;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Strategies;

/// <summary>A real engine, a real HAProxy (Debian's package, started by the edge controller in a temp directory)
/// and the strategies over both. Every test gets its own edge, listening on its own loopback port.</summary>
public abstract class EdgeTest(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    private readonly string _edgeDirectory = Path.Combine(Path.GetTempPath(), "tidegate-edge-tests", Guid.NewGuid().ToString("N")[..12]);

    internal HaproxyEdge Edge { get; private set; } = null!;

    internal RolloutStrategies Strategies { get; private set; } = null!;

    internal RolloutDriver Driver { get; private set; } = null!;

    internal EdgeOptions EdgeOptions { get; private set; } = null!;

    protected int Listen { get; } = FreePort.Next();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        EdgeOptions = new EdgeOptions { Directory = _edgeDirectory, CheckIntervalMs = 500, DrainTimeout = TimeSpan.FromSeconds(10) };
        Edge = new HaproxyEdge(EdgeOptions, TimeProvider.System);
        await Edge.StartAsync(Ct);
        Strategies = new RolloutStrategies(Edge, new RolloutRegistry(), TimeProvider.System);
        Driver = new RolloutDriver(Store, Environment, Options, Strategies);
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await Edge.StopProcessAsync(CancellationToken.None);
        }
        finally
        {
            await Edge.DisposeAsync();
            await base.DisposeAsync();
            try
            {
                Directory.Delete(_edgeDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The demo web stack behind one edge entry on <see cref="Listen"/> (or <paramref name="listen"/>).</summary>
    protected string WebStack(string strategy, string image, string version, string extraStrategy = "", string extraWeb = "", string extraEnv = "",
        int? listen = null) => $$"""
        x-tidegate:
          strategy:
            type: {{strategy}}{{extraStrategy}}
          edge:
            entries:
              - service: web
                port: 8080
                listen: "127.0.0.1:{{(listen ?? Listen).ToString(CultureInfo.InvariantCulture)}}"
                retryAfter: 17
                # The test app (busybox nc) listens with a backlog of 1: bursts lose SYNs, which behind docker-proxy shows
                # as an answer delayed by 1-7 s. HAProxy queues (maxconn) and retries a GET that is not answered in 2 s.
                maxconn: 4
                serverTimeout: 2s
        services:
          web:
            image: {{image}}
            environment:
              VERSION: "{{version}}"{{extraEnv}}
            stop_grace_period: 2s{{extraWeb}}
        """;

    internal async Task<(OperationRecord Operation, DeploymentRecord Deployment)> RolloutAsync(
        string name, string stack, string version, RolloutStrategyKind kind, OperationStatus expected)
    {
        var (operation, deployment) = await Driver.RunAsync(name, stack, version, kind, Ct);
        Assert.True(operation.Status == expected, $"operation {operation.Status}, expected {expected}: {operation.Error}");
        return (operation, deployment);
    }

    protected Task<string> WaitEdgeAsync(string expected) => WaitForTextAsync(Listen, expected);

    /// <summary>Asserts the load saw no failed request and stopped by itself or on request.</summary>
    internal static async Task AssertNoFailuresAsync(HttpLoad load)
    {
        await load.StopAsync();
        Assert.True(load.Completed > 0, "the load generator sent nothing");
        Assert.True(load.Failures.Count == 0,
            $"{load.Failures.Count} of {load.Completed} requests failed: {string.Join(" | ", load.Failures.Take(8))}");
    }

    internal async Task<string> TimelineAsync(OperationRecord operation) =>
        string.Join("\n", (await Store.ProgressEvents.ListAfterAsync(0, operation.Id, null, 1000, Ct)).Select(e => $"{e.At:HH:mm:ss.fff} {e.Message}"));

    internal async Task<IReadOnlyList<string>> PhasesAsync(OperationRecord operation) =>
        (await Store.ProgressEvents.ListAfterAsync(0, operation.Id, null, 1000, Ct)).Select(e => e.Message ?? string.Empty).ToList();

    protected async Task<bool> ContainerExistsAsync(string name)
    {
        try
        {
            await Client.ContainerInspectAsync(name, Ct);
            return true;
        }
        catch (Tidegate.Docker.DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    protected static string Web(string version) => version switch
    {
        "1.0.0" => TestImages.Web100,
        "1.1.0" => TestImages.Web110,
        _ => TestImages.Web200,
    };
}
