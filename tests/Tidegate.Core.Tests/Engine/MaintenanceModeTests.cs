using System.Globalization;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Health;
using Tidegate.Core.Store;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

/// <summary>The container lifecycle of mode changes against the real engine: maintenance keeps the labelled containers running
/// and stops the rest in reverse dependency order; Normal starts them again in dependency order.</summary>
public sealed class MaintenanceModeTests(DockerDaemonFixture fixture) : EngineTest(fixture)
{
    [Fact]
    public async Task Maintenance_StopsAppButKeepsLabelledContainers_AndNormalStartsThemInOrder()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (_, deployment) = await DeployAsync(Request(name, Stack(port)));
        var dbStarted = (await Client.ContainerInspectAsync($"{name}-db-1", Ct)).State!.StartedAt;

        // The first stop waits for the test, so the second change below certainly meets the running operation.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var gated = NewService(Options with { BeforeStep = (step, ct) => step == "stop" ? gate.Task.WaitAsync(ct) : Task.CompletedTask });
        var started = Assert.IsType<ModeChangeResult.Started>(await gated.ChangeModeAsync(deployment.Id,
            new ModeChangeRequest(OperationMode.Maintenance, "weekly backup", "alice"), Ct));
        Assert.Equal((OperationMode.Normal, OperationMode.Maintenance, "alice"), (started.Change.From, started.Change.To, started.Change.ChangedBy));
        // One operation at a time: a second change while the containers stop is refused naming the running one.
        var refused = Assert.IsType<ModeChangeResult.Refused>(await Service.ChangeModeAsync(deployment.Id,
            new ModeChangeRequest(OperationMode.Normal, null, "bob"), Ct));
        Assert.Equal(started.OperationId, refused.RunningOperationId);
        gate.SetResult();
        Assert.Equal(OperationStatus.Succeeded, (await gated.WaitForOperationAsync(started.OperationId, Ct))!.Status);

        Assert.Equal(("running", "running", "exited", "exited"), (await StateAsync(name, "db"), await StateAsync(name, "cache"),
            await StateAsync(name, "app"), await StateAsync(name, "front")));
        Assert.Equal(dbStarted, (await Client.ContainerInspectAsync($"{name}-db-1", Ct)).State!.StartedAt);
        // Reverse dependency order: front (depends on app) was stopped before app.
        Assert.True(await FinishedAsync(name, "front") <= await FinishedAsync(name, "app"));
        var steps = await Store.Operations.ListStepsAsync(started.OperationId, Ct);
        Assert.Equal(2, steps.Count(s => s.Name == "stop"));

        var status = (await Service.GetStatusAsync(deployment.Id, Ct))!;
        Assert.Equal(HealthState.Maintenance, status.Health);
        Assert.Equal(HealthState.Maintenance, status.Services.Single(s => s.Name == "app").Health);
        Assert.Equal(HealthState.Healthy, status.Services.Single(s => s.Name == "db").Health);

        var backRequested = DateTimeOffset.UtcNow.AddSeconds(-1);
        var back = Assert.IsType<ModeChangeResult.Started>(await Service.ChangeModeAsync(deployment.Id,
            new ModeChangeRequest(OperationMode.Normal, "backup done", "alice"), Ct));
        Assert.Equal(OperationStatus.Succeeded, (await Service.WaitForOperationAsync(back.OperationId, Ct))!.Status);
        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));
        // Dependency order: app reported healthy before front started (the engine's own events, not the health log, which
        // keeps only the last probes); db kept running throughout.
        var events = new List<Tidegate.Docker.Events.EventMessage>();
        await foreach (var e in Client.SystemEventsAsync(new Tidegate.Docker.Events.EventsParameters
        {
            Since = backRequested,
            Until = DateTimeOffset.UtcNow.AddSeconds(1),
            Filters = new Dictionary<string, IReadOnlyList<string>> { ["type"] = ["container"], ["container"] = [$"{name}-app-1", $"{name}-front-1"] },
        }, Ct))
        {
            events.Add(e);
        }

        bool Of(Tidegate.Docker.Events.EventMessage e, string service, string action) =>
            e.Actor?.Attributes?.GetValueOrDefault("name") == $"{name}-{service}-1" && e.Action == action;
        var appStarted = events.Last(e => Of(e, "app", "start")).TimeNano;
        var appHealthy = events.First(e => Of(e, "app", "health_status: healthy") && e.TimeNano >= appStarted).TimeNano;
        var frontStarted = events.Last(e => Of(e, "front", "start")).TimeNano;
        Assert.True(appHealthy <= frontStarted, $"app healthy at {appHealthy}, front started at {frontStarted}");
        Assert.Equal(dbStarted, (await Client.ContainerInspectAsync($"{name}-db-1", Ct)).State!.StartedAt);
        Assert.Equal(HealthState.Healthy, (await Service.GetStatusAsync(deployment.Id, Ct))!.Health);

        var history = (await Store.OperationModes.HistoryAsync(deployment.Id, new Page(), Ct)).Items;
        Assert.Equal([("Maintenance", "Normal", "backup done"), ("Normal", "Maintenance", "weekly backup")],
            history.Select(h => (h.From.ToString(), h.To.ToString(), h.Reason)));
    }

    [Fact]
    public async Task Stopped_StopsEverything_AndNormalStartsEverything()
    {
        var port = FreePort.Next();
        var name = ProjectName();
        var (_, deployment) = await DeployAsync(Request(name, Stack(port)));

        await ChangeAsync(deployment.Id, OperationMode.Stopped);
        foreach (var service in new[] { "db", "cache", "app", "front" })
        {
            Assert.Equal("exited", await StateAsync(name, service));
        }
        Assert.Equal(HealthState.Stopped, (await Service.GetStatusAsync(deployment.Id, Ct))!.Health);

        // An illegal change is refused by the table before anything happens.
        var illegal = await Assert.ThrowsAsync<IllegalModeTransitionException>(() =>
            Service.ChangeModeAsync(deployment.Id, new ModeChangeRequest(OperationMode.Maintenance, null, "alice"), Ct));
        Assert.Equal([OperationMode.Normal, OperationMode.Migrating], illegal.Allowed);

        await ChangeAsync(deployment.Id, OperationMode.Normal);
        Assert.Equal("1.0.0", await WaitForTextAsync(port, "1.0.0"));
        Assert.Equal("running", await StateAsync(name, "db"));
    }

    [Fact]
    public async Task StackObserver_IsTheCurrentRevisionsSection_AndItsConnectionStringNamesAnEnvironmentSecret()
    {
        var name = ProjectName("stackobs");
        var stack = $$"""
            x-tidegate:
              variables:
                DB_CONNECTION:
                  type: secret
                FLAG:
                  default: /var/lib/flags/default.flag
              maintenanceObserver:
                type: sqlExtendedProperty
                connectionString: ${DB_CONNECTION}
                propertyName: ams.MaintenanceMode
                maintenanceValue: "1"
                normalValue: "0"
                pollingInterval: 2s
            services:
              app:
                image: {{TestImages.Web100}}
                healthcheck:
                  disable: true
            """;
        var (_, deployment) = await DeployAsync(Request(name, stack, "1.0.0", ("DB_CONNECTION", "Host=erp;Password=s3cret")));

        var section = (await Service.StackObserverAsync(deployment, Ct))!;

        Assert.Empty(section.Errors);
        // The connection string is never the deployment's (operator-given) value: the reference names the environment's secret.
        Assert.Equal("DB_CONNECTION", section.Values["connectionSecret"]);
        Assert.DoesNotContain(section.Values.Values, v => v?.Contains("s3cret", StringComparison.Ordinal) == true);
        var (settings, errors) = Tidegate.Core.Observers.ObserverSettingsParser.Parse(section.Values);
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromSeconds(2), settings!.PollingInterval);
        // The revision stored for display keeps the secret masked.
        var revision = (await Store.Revisions.GetAsync(deployment.Id, 1, Ct))!;
        Assert.DoesNotContain("s3cret", revision.Definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrashDuringMaintenance_IsCompletedByTheReconciler_FromTheRecordedMode()
    {
        var name = ProjectName("crash");
        var stack = $$"""
            services:
              db:
                image: {{TestImages.Worker100}}
                labels:
                  tidegate.maintenance: ignore
              app:
                image: {{TestImages.Web100}}
                depends_on: [db]
                healthcheck:
                  disable: true
            """;
        var (_, deployment) = await DeployAsync(Request(name, stack));
        DeploymentService? crashing = null;
        crashing = NewService(Options with
        {
            Holder = "crashed-process",
            BeforeStep = (step, ct) =>
            {
                if (step == "stop")
                {
                    crashing!.Abandon();
                }

                ct.ThrowIfCancellationRequested();
                return Task.CompletedTask;
            },
        });
        await using (crashing)
        {
            var started = Assert.IsType<ModeChangeResult.Started>(await crashing.ChangeModeAsync(deployment.Id,
                new ModeChangeRequest(OperationMode.Maintenance, "backup", "alice"), Ct));
            Assert.Equal(OperationStatus.Running, (await crashing.WaitForOperationAsync(started.OperationId, Ct))!.Status);
        }
        Assert.Equal("running", await StateAsync(name, "app"));

        var report = await new Reconciler(Store, new DockerEngineFactory(), new StoreProgressSink(Store), Options, TimeProvider.System)
            .ReconcileAsync(atStartup: true, null, Ct);

        var reconciled = Assert.Single(report.Operations);
        Assert.Equal(OperationStatus.Succeeded, (await Store.Operations.GetAsync(reconciled.OperationId, Ct))!.Status);
        Assert.Equal(("exited", "running"), (await StateAsync(name, "app"), await StateAsync(name, "db")));
        Assert.Equal(OperationMode.Maintenance, (await Store.Deployments.GetAsync(deployment.Id, Ct))!.Mode);
    }

    private async Task ChangeAsync(string deploymentId, OperationMode to)
    {
        var started = Assert.IsType<ModeChangeResult.Started>(await Service.ChangeModeAsync(deploymentId, new ModeChangeRequest(to, null, "alice"), Ct));
        var operation = (await Service.WaitForOperationAsync(started.OperationId, Ct))!;
        Assert.True(operation.Status == OperationStatus.Succeeded, operation.Error);
    }

    private async Task<string?> StateAsync(string project, string service) =>
        (await Client.ContainerInspectAsync($"{project}-{service}-1", Ct)).State!.Status;

    private async Task<DateTimeOffset> FinishedAsync(string project, string service) =>
        Time((await Client.ContainerInspectAsync($"{project}-{service}-1", Ct)).State!.FinishedAt);

    private static DateTimeOffset Time(string? text) => DateTimeOffset.Parse(text!, CultureInfo.InvariantCulture);

    /// <summary>db (kept running by tidegate.maintenance), cache (kept by rsgo.maintenance), app (depends on db, healthcheck),
    /// front (depends on app).</summary>
    private static string Stack(int port) => $$"""
        services:
          db:
            image: {{TestImages.Web100}}
            environment:
              VERSION: db
            labels:
              tidegate.maintenance: ignore
            healthcheck:
              test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/health"]
              interval: 1s
              timeout: 2s
              retries: 3
            stop_grace_period: 1s
          cache:
            image: {{TestImages.Web100}}
            labels:
              rsgo.maintenance: ignore
            healthcheck:
              disable: true
            stop_grace_period: 1s
          app:
            image: {{TestImages.Web100}}
            ports:
              - "127.0.0.1:{{port}}:8080"
            depends_on:
              db:
                condition: service_healthy
            healthcheck:
              test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/health"]
              interval: 1s
              timeout: 2s
              retries: 3
            stop_grace_period: 1s
          front:
            image: {{TestImages.Web100}}
            environment:
              VERSION: front
            depends_on:
              app:
                condition: service_healthy
            healthcheck:
              disable: true
            stop_grace_period: 1s
        """;
}
