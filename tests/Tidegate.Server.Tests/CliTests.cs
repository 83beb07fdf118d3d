using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Cli;
using Tidegate.Cli.Client;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Server.Progress;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests;

/// <summary>The CLI's command tree run in-process against a real server on a loopback port, with HOME in a temp directory.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _home = Path.Combine(Path.GetTempPath(), "tidegate-cli-tests", Guid.NewGuid().ToString("N"));
    private RealServer _server = null!;
    private Seed _seed = null!;

    public async Task InitializeAsync()
    {
        _server = await RealServer.StartAsync("--DemoCatalog", CatalogApiTests.DemoCatalog, "--Observers:FileRoots:0", _home);
        _seed = await Seed.CreateAsync(_server.Store);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // nothing was written
        }
    }

    private async Task<(int Code, string Out, string Error)> RunAsync(string stdin, params string[] args)
        => await RunAsync(stdin, new Dictionary<string, string>(), args);

    private async Task<(int Code, string Out, string Error)> RunAsync(string stdin, Dictionary<string, string> env, params string[] args)
    {
        var output = new SignalingWriter();
        var error = new SignalingWriter();
        var code = await CliApp.RunAsync(args, Io(stdin, env, output, error));
        return (code, output.ToString(), error.ToString());
    }

    private CliIO Io(string stdin, Dictionary<string, string> env, TextWriter output, TextWriter error)
        => new(new StringReader(stdin), output, error, name => name == "HOME" ? _home : env.GetValueOrDefault(name), Interactive: false);

    private Task<(int Code, string Out, string Error)> LoginAsync(string user = "admin")
        => RunAsync(Seed.Password + "\n", "login", "--server", _server.Address.ToString(), "--username", user);

    [Fact]
    public async Task Login_SavesTheTokenInAPrivateConfigFile_AndLogoutRevokesIt()
    {
        var (code, output, _) = await LoginAsync();
        var path = Path.Combine(_home, ".config", "tidegate", "config.json");
        var config = JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement;
        var current = config.GetProperty("current").GetString()!;
        var token = config.GetProperty("contexts").GetProperty(current).GetProperty("token").GetString()!;
        var me = await (await _server.Client(token).GetAsync("/api/auth/me")).JsonAsync();
        var (logoutCode, _, _) = await RunAsync("", "logout");
        using var after = await _server.Client(token).GetAsync("/api/auth/me");

        Assert.Equal(0, code);
        Assert.Contains("Logged in", output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        Assert.Equal("admin", me.GetProperty("username").GetString());
        Assert.Equal(0, logoutCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Tokens_CreateListRevoke_ShowTheTokenOnceAndMaskedAfterwards()
    {
        await LoginAsync("operator");

        var (createCode, created, _) = await RunAsync("", "tokens", "create", "ci-pipeline", "--expires-in-days", "7");
        var (listCode, listed, _) = await RunAsync("", "tokens", "list", "--output", "json");
        var items = JsonDocument.Parse(listed).RootElement.GetProperty("items").EnumerateArray().ToList();
        var ci = items.Single(t => t.GetProperty("name").GetString() == "ci-pipeline");
        var (revokeCode, _, _) = await RunAsync("", "tokens", "revoke", ci.GetProperty("id").GetString()!);

        Assert.Equal(0, createCode);
        Assert.StartsWith("tg_", created.Trim(), StringComparison.Ordinal);
        Assert.Equal(0, listCode);
        Assert.DoesNotContain(created.Trim(), listed, StringComparison.Ordinal);
        Assert.EndsWith("…", ci.GetProperty("prefix").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, revokeCode);
    }

    [Fact]
    public async Task Audit_FiltersByActor_AsJson()
    {
        await LoginAsync();
        await RunAsync("", "tokens", "create", "audited");

        var (code, output, _) = await RunAsync("", "audit", "--actor", "admin", "--action", "auth.token", "--output", "json");

        Assert.Equal(0, code);
        var entries = JsonDocument.Parse(output).RootElement.GetProperty("items").EnumerateArray().ToList();
        var entry = Assert.Single(entries);
        Assert.Equal("Succeeded", entry.GetProperty("result").GetString());
        Assert.Equal("127.0.0.1", entry.GetProperty("sourceIp").GetString());
        Assert.DoesNotContain(Seed.Password, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpsWatch_PrintsReplayedAndLiveEvents_AndExitsNonZeroOnFailure()
    {
        await LoginAsync("viewer");
        using var cts = new CancellationTokenSource(Timeout);
        var publisher = _server.Services.GetRequiredService<IProgressPublisher>();
        var op = await _server.Store.Operations.CreateAsync(new NewOperation(_seed.Deployment.Id, "web", OperationKind.Upgrade, "test"), cts.Token);
        await publisher.PublishAsync(new ProgressUpdate(op.Id, _seed.Deployment.Id, null, "Pulling images", "pulling web", 25, "web", 2, 0), cts.Token);
        var output = new SignalingWriter();
        var seen = output.WaitForAsync("Pulling images", cts.Token);

        var watch = CliApp.RunAsync(["ops", "watch", op.Id], Io("", [], output, new SignalingWriter()), cts.Token);
        await seen;
        await publisher.PublishAsync(new ProgressUpdate(op.Id, _seed.Deployment.Id, null, "Starting services", "web did not start", 60,
            Status: "Failed", Kind: ProgressEventKind.Failed), cts.Token);
        var code = await watch.WaitAsync(cts.Token);

        Assert.Equal(ExitCodes.OperationFailed, code);
        Assert.Contains("[ 25%] Pulling images - pulling web (0/2 services)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("FAILED: Starting services - web did not start", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_MapToTheDocumentedExitCodes()
    {
        var notLoggedIn = await RunAsync("", "tokens", "list");
        var usage = await RunAsync("", "tokens", "create");
        var unreachable = await RunAsync(Seed.Password + "\n", "login", "--server", "http://127.0.0.1:9", "--username", "admin");
        await LoginAsync("viewer");
        var notFound = await RunAsync("", "ops", "show", "missing");
        var forbidden = await RunAsync("", "users", "list");
        var badPassword = await RunAsync("wrong-password-123\n", "login", "--server", _server.Address.ToString(), "--username", "viewer");

        Assert.Equal(ExitCodes.NotAuthenticated, notLoggedIn.Code);
        Assert.Contains("Not logged in", notLoggedIn.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, usage.Code);
        Assert.Equal(ExitCodes.Unreachable, unreachable.Code);
        Assert.Equal(ExitCodes.NotFound, notFound.Code);
        Assert.StartsWith("error: Operation 'missing' does not exist.", notFound.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotAuthenticated, forbidden.Code);
        Assert.Equal(ExitCodes.NotAuthenticated, badPassword.Code);
    }

    [Fact]
    public async Task ValidationErrors_ArePrintedAsOneLinePlusFieldErrors()
    {
        await LoginAsync();

        var (code, _, error) = await RunAsync("short\n", "users", "create", "bob", "--role", "root");

        Assert.Equal(ExitCodes.Usage, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("error: The request is not valid.", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Trim().StartsWith("password:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Trim().StartsWith("role:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CatalogAndEnv_ReadCommands_PrintTablesAndJson()
    {
        await LoginAsync();

        var sync = await RunAsync("", "catalog", "sync");
        var versions = await RunAsync("", "catalog", "versions", "demo:demo-web:web");
        var variables = await RunAsync("", "catalog", "versions", "demo:demo-web:web", "2.0.0", "-o", "json");
        var added = await RunAsync("", "env", "add", "edge", "--docker-endpoint", "tcp://10.1.1.1:2376");
        var envs = await RunAsync("", "env", "list", "--output", "json");
        var test = await RunAsync("", "env", "test", _seed.Environment.Id);

        Assert.Equal(0, sync.Code);
        Assert.Contains("demo", sync.Out, StringComparison.Ordinal);
        Assert.Equal(0, versions.Code);
        Assert.Contains("2.0.0", versions.Out, StringComparison.Ordinal);
        Assert.Contains("VERSION", versions.Out, StringComparison.Ordinal);
        Assert.Equal(0, variables.Code);
        Assert.Contains("GREETING", variables.Out, StringComparison.Ordinal);
        Assert.Equal(0, added.Code);
        Assert.Equal(3, JsonDocument.Parse(envs.Out).RootElement.GetProperty("total").GetInt32()); // local (created at start), prod, edge
        Assert.Equal(ExitCodes.Ok, test.Code); // prod is the real engine's socket
        Assert.Contains("True", test.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Mode_ChangesTheModeAndAnIllegalChangeExitsWithConflictNamingAllowedModes()
    {
        await LoginAsync("operator");

        var toMaintenance = await RunAsync("", "mode", _seed.Deployment.Id, "Maintenance", "--reason", "backup window");
        var illegal = await RunAsync("", "mode", _seed.Deployment.Id, "Failed");
        var history = await RunAsync("", "mode", _seed.Deployment.Id, "-o", "json");

        Assert.Equal(0, toMaintenance.Code);
        Assert.Contains("Maintenance", toMaintenance.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Conflict, illegal.Code);
        Assert.Contains("allowed: Normal, Migrating, Stopped", illegal.Error, StringComparison.Ordinal);
        Assert.Contains("backup window", history.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObserverShow_PrintsTheObserverAndItsLastValue()
    {
        await LoginAsync("operator");
        var flag = Path.Combine(_home, "maintenance.flag");
        using var client = _server.Client(_seed.OperatorToken);
        using var put = await client.PutAsJsonAsync($"/api/deployments/{_seed.Deployment.Id}/observer",
            new { type = "file", path = flag, maintenanceValue = "exists", normalValue = "missing", pollingInterval = "1s" });
        Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);

        var shown = await Wait.UntilAsync(_ => RunAsync("", "observer", "show", _seed.Deployment.Id), r => r.Out.Contains("missing", StringComparison.Ordinal),
            "the observer's first value in the CLI");

        Assert.Equal(0, shown.Code);
        Assert.Contains("file", shown.Out, StringComparison.Ordinal);
        Assert.Contains("api", shown.Out, StringComparison.Ordinal);
        Assert.Contains("ok", shown.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminCreate_Offline_CreatesAnAdminFromTheEnvironmentPassword()
    {
        var dir = Path.Combine(_home, "offline-data");
        var env = new Dictionary<string, string> { ["TIDEGATE_ADMIN_PASSWORD"] = "offline-admin-password" };

        var first = await RunAsync("", env, "admin", "create", "--username", "root", "--data-dir", dir);
        var again = await RunAsync("", env, "admin", "create", "--username", "root", "--data-dir", dir);
        var store = await TidegateStore.OpenAsync(new StoreOptions(dir), SecretProtector.Load(dir), TimeProvider.System, default);
        var user = await store.Users.GetByUsernameAsync("root", default);

        Assert.Equal(0, first.Code);
        Assert.Equal(ExitCodes.Conflict, again.Code);
        Assert.Equal(UserRole.Admin, user!.Role);
        Assert.True(Auth.PasswordPolicy.Verify(user, "offline-admin-password"));
    }
}

/// <summary>A thread-safe writer a test can wait on: completes when the written text contains a string.</summary>
internal sealed class SignalingWriter : StringWriter
{
    private readonly Lock _gate = new();
    private readonly List<(string Text, TaskCompletionSource Done)> _waiters = [];

    public Task WaitForAsync(string text, CancellationToken ct)
    {
        lock (_gate)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (base.ToString().Contains(text, StringComparison.Ordinal))
            {
                done.SetResult();
            }
            else
            {
                _waiters.Add((text, done));
            }
            return done.Task.WaitAsync(ct);
        }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            base.Write(value);
            Signal();
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            base.Write(value);
            Signal();
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            base.WriteLine(value);
            Signal();
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return base.ToString();
        }
    }

    private void Signal()
    {
        var text = base.ToString();
        foreach (var waiter in _waiters.Where(w => text.Contains(w.Text, StringComparison.Ordinal)).ToList())
        {
            waiter.Done.TrySetResult();
            _waiters.Remove(waiter);
        }
    }
}
