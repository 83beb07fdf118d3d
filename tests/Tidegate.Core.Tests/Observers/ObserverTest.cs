using Tidegate.Core.Deployments;
using Tidegate.Core.Observers;
using Tidegate.Core.Store;
using Tidegate.Core.Tests.Engine;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Observers;

/// <summary>Observers against a real store and engine: a deployment record (its project has no containers, so a mode change
/// is a real, quick operation) and an observer polled by the test, one poll at a time.
/// The probes run under a policy that allows the test's flag directory and 127.0.0.1, as an admin would configure the server.</summary>
public abstract class ObserverTest(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    private readonly Lazy<HttpClient> _guardedHttp = new(() => ObserverHttp.CreateClient(new ObserverPolicy { AllowedHttpHosts = ["127.0.0.1"] }));

    internal DeploymentRecord Deployment { get; private set; } = null!;

    /// <summary>The allowed file root of the test's observers.</summary>
    protected string FlagDirectory { get; } = Directory.CreateTempSubdirectory("tidegate-flags-").FullName;

    internal ObserverPolicy Policy => new() { FileRoots = [FlagDirectory], AllowedHttpHosts = ["127.0.0.1"], ConnectionSecrets = ["ERP_DB"] };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_guardedHttp.IsValueCreated)
        {
            _guardedHttp.Value.Dispose();
        }

        Directory.Delete(FlagDirectory, recursive: true);
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Deployment = (await Store.Deployments.CreateAsync(new NewDeployment(Environment.Id, ProjectName("obs"), "test:web:web", "web", "1.0.0"), [], Ct))
            .ValueOrThrow();
    }

    internal static ObserverSettings Settings(string text, params (string Key, string Value)[] extra)
    {
        var values = text.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => (string?)p[1], StringComparer.Ordinal);
        foreach (var (key, value) in extra)
        {
            values[key] = value;
        }

        var (settings, errors) = ObserverSettingsParser.Parse(values);
        Assert.True(settings is not null, string.Join("; ", errors.SelectMany(e => e.Value)));
        return settings!;
    }

    internal MaintenanceObserver Observer(ObserverSettings settings, HttpClient? http = null) =>
        new(Deployment.Id, new ObserverDefinition(settings, "api"), Service, Store, new ObserverProbes(http ?? _guardedHttp.Value, Policy), TimeProvider.System);

    /// <summary>One poll, then wait until the mode-change operation it may have started has finished.</summary>
    internal async Task<ObserverStatus> PollAsync(MaintenanceObserver observer)
    {
        await observer.PollOnceAsync(Ct);
        await Wait.UntilAsync(async ct => await Store.Locks.GetAsync(Deployment.Id, ct), l => l is null, "the mode change to finish", cancellationToken: Ct);
        return observer.Status;
    }

    internal async Task<OperationMode> ModeAsync() => (await Store.Deployments.GetAsync(Deployment.Id, Ct))!.Mode;

    internal async Task<IReadOnlyList<ModeChange>> HistoryAsync() => (await Store.OperationModes.HistoryAsync(Deployment.Id, new Page(), Ct)).Items;

    internal Task<ModeChangeResult> ChangeAsync(OperationMode to, string by, bool overriding = false) =>
        Service.ChangeModeAsync(Deployment.Id, new ModeChangeRequest(to, "test", by, Override: overriding), Ct);

    internal async Task ChangeAndWaitAsync(OperationMode to, string by, bool overriding = false)
    {
        var started = Assert.IsType<ModeChangeResult.Started>(await ChangeAsync(to, by, overriding));
        var operation = await Service.WaitForOperationAsync(started.OperationId, Ct);
        Assert.Equal(OperationStatus.Succeeded, operation!.Status);
    }
}
