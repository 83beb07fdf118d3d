using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Tidegate.Core.Edge;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Security;

/// <summary>Boundary: the edge's files and process (a real HAProxy, Debian's package, in a directory of the test's own; no
/// Docker). A configuration HAProxy refuses is never saved and the last good one keeps serving; HAProxy inherits no
/// TIDEGATE_* variable and runs as an unprivileged user when Tidegate is root; the edge directory is 0700, its files 0600.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EdgeBoundaryHaproxyTests : IAsyncLifetime
{
    private const string Environment = "env1";
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromMinutes(2));
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tidegate-edge-security", Guid.NewGuid().ToString("N")[..12]);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private HaproxyEdge _edge = null!;
    private EdgeOptions _options = null!;

    private CancellationToken Ct => _deadline.Token;

    public Task InitializeAsync()
    {
        _options = new EdgeOptions { Directory = _directory, CheckIntervalMs = 200, DrainTimeout = TimeSpan.FromSeconds(2) };
        _edge = new HaproxyEdge(_options, TimeProvider.System);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _edge.StopProcessAsync(CancellationToken.None);
        }
        finally
        {
            await _edge.DisposeAsync();
            _http.Dispose();
            _deadline.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task ARefusedConfiguration_IsNeverSaved_TheLastGoodOneKeepsServing_AndLaterChangesGoThrough()
    {
        // The maintenance page shows that alpha's frontend, as the running configuration has it, answers.
        var alpha = Entry("alpha", FreePort.Next());
        await _edge.EnsureEntriesAsync(Environment, "alpha", [alpha], Ct);
        await _edge.SetMaintenanceAsync(Environment, "alpha", true, Ct);
        await WaitServingAsync(alpha);
        var pid = (await _edge.StatusAsync(Ct)).Pid;
        var config = await File.ReadAllTextAsync(_options.ConfigPath, Ct);
        var registry = await File.ReadAllTextAsync(_options.RegistryPath, Ct);

        // haproxy -c refuses the candidate (the maintenance page it loads is gone): nothing is saved, nothing reloads.
        File.Delete(_options.MaintenancePagePath);
        var beta = Entry("beta", FreePort.Next());
        var refused = await Assert.ThrowsAsync<EdgeException>(() => _edge.EnsureEntriesAsync(Environment, "beta", [beta], Ct));
        Assert.Contains("HAProxy refused the new edge configuration; the last good one stays in place", refused.Message, StringComparison.Ordinal);
        await AssertUnchangedAsync(config, registry, pid);
        Assert.Empty(_edge.EntriesOf(Environment, "beta"));
        await WaitServingAsync(alpha);
        await EdgeFiles.WriteAsync(_options.MaintenancePagePath, HaproxyConfig.MaintenancePage, Ct);

        // The check passes but the reload cannot bind (another process holds the address): the last good files come back.
        var held = FreePort.Next();
        using var squatter = new TcpListener(IPAddress.Loopback, held);
        squatter.Start();
        var gamma = Entry("gamma", held);
        var failed = await Assert.ThrowsAsync<EdgeException>(() => _edge.EnsureEntriesAsync(Environment, "gamma", [gamma], Ct));
        Assert.Contains("HAProxy did not start", failed.Message, StringComparison.Ordinal);
        await AssertUnchangedAsync(config, registry, pid);
        Assert.Empty(_edge.EntriesOf(Environment, "gamma"));
        await WaitServingAsync(alpha);

        // Another deployment's change is not blocked by the refused ones.
        await _edge.EnsureEntriesAsync(Environment, "beta", [beta], Ct);
        Assert.Contains("frontend " + beta.Frontend + "\n", await File.ReadAllTextAsync(_options.ConfigPath, Ct), StringComparison.Ordinal);
        Assert.DoesNotContain(gamma.Frontend, await File.ReadAllTextAsync(_options.ConfigPath, Ct), StringComparison.Ordinal);
        await WaitServingAsync(alpha);
        Assert.NotEqual(pid, (await _edge.StatusAsync(Ct)).Pid);
    }

    [Fact]
    public async Task Haproxy_InheritsNoTidegateVariable_RunsUnprivileged_AndItsFilesAreOwnerOnly()
    {
        // Set in this process as the server's settings are; the allow-list must keep it (and every TIDEGATE_*) from HAProxy.
        System.Environment.SetEnvironmentVariable("TIDEGATE_EDGE_TEST_SECRET", "must-not-leak");
        var alpha = Entry("alpha", FreePort.Next());
        await _edge.EnsureEntriesAsync(Environment, "alpha", [alpha], Ct);
        var pid = (await _edge.StatusAsync(Ct)).Pid!.Value;

        var environ = (await File.ReadAllTextAsync($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/environ", Ct)).Split('\0');
        Assert.DoesNotContain(environ, v => v.StartsWith("TIDEGATE_", StringComparison.Ordinal));
        Assert.Contains(environ, v => v.StartsWith("PATH=", StringComparison.Ordinal));

        var uid = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        if (System.Environment.IsPrivilegedProcess && File.ReadLines("/etc/passwd").Any(l => l.StartsWith("haproxy:", StringComparison.Ordinal)))
        {
            Assert.NotNull(_edge.RunAs);
            Assert.NotEqual("0", uid);
            Assert.Equal(_edge.RunAs!.Uid.ToString(CultureInfo.InvariantCulture), uid);
        }

        Assert.Equal(EdgeFiles.OwnerOnlyDirectory, File.GetUnixFileMode(_directory));
        foreach (var file in new[] { _options.ConfigPath, _options.RegistryPath, _options.MaintenanceMapPath, _options.MaintenancePagePath, _options.PidPath })
        {
            Assert.True(File.GetUnixFileMode(file) == EdgeFiles.OwnerOnlyFile, $"{Path.GetFileName(file)} is {File.GetUnixFileMode(file)}");
        }
    }

    [Fact]
    public async Task AnEdgeDirectoryWrittenBeforeTheseRules_IsNarrowed_AndItsInjectedEntriesAreNotServed()
    {
        Directory.CreateDirectory(_directory);
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_101_101);
        var listen = FreePort.Next();
        // A registry as an older version wrote it: a service name carrying a directive, and 0644.
        await File.WriteAllTextAsync(_options.RegistryPath, $$"""
            { "entries": [ { "deployment": "old", "service": "web\n    http-request return status 299 string injected-by-stack", "port": 8080,
                             "listen": "127.0.0.1:{{listen.ToString(CultureInfo.InvariantCulture)}}", "healthPath": "/health", "retryAfterSeconds": 30 } ],
              "maintenance": [], "cookieKey": "0123456789abcdef" }
            """, Ct);
        File.SetUnixFileMode(_options.RegistryPath, (UnixFileMode)0b110_100_100);

        await _edge.StartAsync(Ct);
        var alpha = Entry("alpha", FreePort.Next());
        await _edge.EnsureEntriesAsync(Environment, "alpha", [alpha], Ct);

        Assert.Single(_edge.RefusedAtLoad);
        Assert.DoesNotContain("injected-by-stack", await File.ReadAllTextAsync(_options.ConfigPath, Ct), StringComparison.Ordinal);
        Assert.Equal(EdgeFiles.OwnerOnlyDirectory, File.GetUnixFileMode(_directory));
        Assert.Equal(EdgeFiles.OwnerOnlyFile, File.GetUnixFileMode(_options.RegistryPath));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => _http.GetAsync(new Uri($"http://127.0.0.1:{listen.ToString(CultureInfo.InvariantCulture)}/"), Ct));
    }

    private static EdgeEntry Entry(string deployment, int listen) =>
        new(deployment, "web", 8080, "127.0.0.1:" + listen.ToString(CultureInfo.InvariantCulture), "/", Environment: Environment);

    private async Task AssertUnchangedAsync(string config, string registry, int? pid)
    {
        Assert.Equal(config, await File.ReadAllTextAsync(_options.ConfigPath, Ct));
        Assert.Equal(registry, await File.ReadAllTextAsync(_options.RegistryPath, Ct));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        Assert.Equal(pid, (await _edge.StatusAsync(Ct)).Pid);
    }

    private Task WaitServingAsync(EdgeEntry entry) =>
        Wait.UntilAsync(async ct =>
        {
            using var response = await _http.GetAsync(new Uri($"http://{entry.Listen}/"), ct);
            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}";
        }, body => body.StartsWith("503 ", StringComparison.Ordinal) && body.Contains("Down for maintenance", StringComparison.Ordinal),
            $"the maintenance page through {entry.Listen}", cancellationToken: Ct);
}
