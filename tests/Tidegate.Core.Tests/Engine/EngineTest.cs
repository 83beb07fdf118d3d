using System.Globalization;
using Tidegate.Core.Deployments;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Docker;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Core.Tests.Engine;

/// <summary>A real store (real clock) and a real engine; every resource the engine creates carries the test's label.</summary>
public abstract class EngineTest : IAsyncLifetime, IClassFixture<DockerDaemonFixture>
{
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromMinutes(3));
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tidegate-engine-tests", Guid.NewGuid().ToString("N"));

    protected EngineTest(DockerDaemonFixture fixture)
    {
        Fixture = fixture;
        Resources = new TestResources(GetType().Name.Replace("Tests", string.Empty, StringComparison.Ordinal));
    }

    protected DockerDaemonFixture Fixture { get; }

    protected TestResources Resources { get; }

    protected CancellationToken Ct => _deadline.Token;

    protected DockerClient Client { get; } = new();

    protected HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    internal TidegateStore Store { get; private set; } = null!;

    internal DeploymentService Service { get; private set; } = null!;

    internal DeploymentEnvironment Environment { get; private set; } = null!;

    internal EngineOptions Options { get; set; } = null!;

    /// <summary>Where the engine writes secrets and configs from environment or content sources (inside the test's directory).</summary>
    protected string FilesDirectory => Path.Combine(_directory, "files");

    /// <summary>A directory of the test's own for stack files and what they refer to.</summary>
    protected string StackDirectory => Path.Combine(_directory, "stack");

    public virtual async Task InitializeAsync()
    {
        await TestImages.EnsureBuiltAsync(Ct);
        Directory.CreateDirectory(_directory);
        Store = await TidegateStore.OpenAsync(new StoreOptions(_directory), SecretProtector.Load(_directory, _ => null), TimeProvider.System, Ct);
        Environment = await new EnvironmentService(Store, new DockerEngineFactory(), TimeProvider.System).EnsureDefaultAsync(Ct);
        Options = new EngineOptions
        {
            ExtraLabels = Resources.Labels, HealthTimeout = TimeSpan.FromSeconds(30), PollInterval = TimeSpan.FromMilliseconds(100),
            FilesDirectory = FilesDirectory,
        };
        Service = NewService();
    }

    public virtual async Task DisposeAsync()
    {
        await Service.DisposeAsync();
        await Resources.DisposeAsync();
        Client.Dispose();
        Http.Dispose();
        _deadline.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal DeploymentService NewService(EngineOptions? options = null) =>
        new(Store, new DockerEngineFactory(), new StoreProgressSink(Store), options ?? Options, TimeProvider.System);

    protected string ProjectName(string suffix = "app") => Resources.Name(suffix);

    /// <summary>An engine that abandons its work (as if the process died) right before the <paramref name="occurrence"/>-th
    /// begin of step <paramref name="step"/>, holding locks as "crashed-process".</summary>
    internal DeploymentService CrashingService(string step, int occurrence = 1)
    {
        var seen = 0;
        DeploymentService? crashing = null;
        crashing = NewService(Options with
        {
            Holder = "crashed-process",
            BeforeStep = (name, ct) =>
            {
                if (name == step && Interlocked.Increment(ref seen) == occurrence)
                {
                    crashing!.Abandon();
                }

                ct.ThrowIfCancellationRequested();
                return Task.CompletedTask;
            },
        });
        return crashing;
    }

    /// <summary>A fresh reconciler, as a restarted process runs it.</summary>
    internal Task<ReconcileReport> ReconcileAsync() =>
        new Reconciler(Store, new DockerEngineFactory(), new StoreProgressSink(Store), Options, TimeProvider.System).ReconcileAsync(atStartup: true, null, Ct);

    internal DeployRequest Request(string name, string stack, string version = "1.0.0", params (string Name, string Value)[] variables) =>
        new(Environment.Id, name, "test:web:web", "web", version, new StackSource(stack),
            [.. variables.Select(v => new VariableValue(v.Name, v.Value, false))], "tester", "test");

    internal async Task<OperationRecord> RunAsync(Task<OperationStartResult> start, DeploymentService? service = null)
    {
        var started = Assert.IsType<OperationStartResult.Started>(await start);
        return (await (service ?? Service).WaitForOperationAsync(started.OperationId, Ct))!;
    }

    internal async Task<(OperationRecord Operation, DeploymentRecord Deployment)> DeployAsync(DeployRequest request, OperationStatus expected = OperationStatus.Succeeded)
    {
        var operation = await RunAsync(Service.DeployAsync(request, Ct));
        Assert.True(operation.Status == expected, $"operation {operation.Status}, expected {expected}: {operation.Error}");
        var deployment = await Store.Deployments.GetByNameAsync(Environment.Id, request.DeploymentName, Ct);
        return (operation, deployment!);
    }

    protected async Task<string> GetTextAsync(int port, string path = "version")
    {
        using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/{path}"), Ct);
        return (await response.Content.ReadAsStringAsync(Ct)).Trim();
    }

    protected Task<string> WaitForTextAsync(int port, string expected, string path = "version") =>
        Wait.UntilAsync(async ct =>
        {
            try
            {
                return await GetTextAsync(port, path);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !Ct.IsCancellationRequested))
            {
                return ex.Message;
            }
        }, text => text == expected, $"127.0.0.1:{port}/{path} answering {expected}", cancellationToken: Ct);

    /// <summary>The first answer from the port: a request that times out or is refused is retried (the busybox test app
    /// behind docker-proxy answers slowly under load); a wrong answer is returned as is, for the caller to assert.</summary>
    protected async Task<string> FirstAnswerAsync(int port, string path = "version")
    {
        string? answer = null;
        await Wait.UntilAsync(async ct =>
        {
            try
            {
                answer = await GetTextAsync(port, path);
                return "answered";
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !Ct.IsCancellationRequested))
            {
                return ex.Message;
            }
        }, state => state == "answered", $"127.0.0.1:{port}/{path} answering", cancellationToken: Ct);
        return answer!;
    }

    /// <summary>db (healthcheck) → migrate (one-off writing to the shared volume) → web on a published 127.0.0.1 port.</summary>
    protected static string ThreeTierStack(int port, string webImage = TestImages.Web100, string webEnv = "") => $$"""
        services:
          db:
            image: {{TestImages.Web100}}
            environment:
              VERSION: db
            volumes:
              - data:/data
            healthcheck:
              test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/health"]
              interval: 1s
              timeout: 2s
              retries: 3
              start_period: 1s
            stop_grace_period: 3s
          migrate:
            image: {{TestImages.Web100}}
            entrypoint: ["/bin/sh", "-c", "echo migrated > /data/migrated"]
            healthcheck:
              disable: true
            volumes:
              - data:/data
            depends_on:
              db:
                condition: service_healthy
          web:
            image: {{webImage}}
            environment:
              VERSION: "${VERSION:-1.0.0}"{{webEnv}}
            ports:
              - "127.0.0.1:{{port}}:8080"
            depends_on:
              migrate:
                condition: service_completed_successfully
        volumes:
          data: {}
        """;
}
