using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Store;
using Tidegate.Server.Audit;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests.Security;

/// <summary>Boundary: anonymous callers against the audit log (the store's size and write load), and the audit log's
/// retention. Against a real server on a loopback port.</summary>
public sealed class AuditBoundaryTests : IAsyncLifetime
{
    private RealServer _server = null!;

    public async Task InitializeAsync() => _server = await RealServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<IReadOnlyList<AuditEntry>> AllEntriesAsync()
        => (await _server.Store.AuditLog.QueryAsync(new AuditQuery(), new Page(Page.MaxLimit, 0), default)).Items;

    private static long Bytes(AuditEntry e)
        => e.Actor.Length + e.Action.Length + (e.Target?.Length ?? 0) + (e.Reason?.Length ?? 0) + (e.SourceIp?.Length ?? 0) + (e.Details?.Length ?? 0);

    [Fact]
    public async Task TwoHundredAnonymousPosts_AddABoundedNumberOfSmallRows_AndAreCounted()
    {
        var before = (await AllEntriesAsync()).Count;
        var longPath = "/api/" + new string('x', 4000);
        using var client = _server.Client();

        for (var i = 0; i < 200; i++)
        {
            using var response = (i % 4) switch
            {
                0 => await client.PostAsJsonAsync("/api/auth/login", new { username = "nobody-" + new string('n', 200), password = "wrong-password" }),
                1 => await client.PostAsync("/api/deployments/some-deployment/stop", null),
                2 => await client.PostAsync(longPath + i, null),
                _ => await client.DeleteAsync("/api/users/" + new string('u', 2000)),
            };
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound, $"request {i}: {response.StatusCode}");
        }
        var during = await AllEntriesAsync();
        await _server.Services.GetRequiredService<AuditHousekeeping>().FlushAsync(all: true, default);
        var after = await AllEntriesAsync();

        // One full row per kind of request (action and result) and window; the other requests only add to a count.
        Assert.InRange(during.Count - before, 1, 4);
        Assert.All(during, e => Assert.InRange(Bytes(e), 1, 1024));
        var summaries = after.Where(e => e.Reason?.Contains("more like this", StringComparison.Ordinal) == true).ToList();
        Assert.InRange(summaries.Count, 1, 4);
        Assert.Equal(200, during.Count - before + summaries.Sum(s => System.Text.Json.JsonDocument.Parse(s.Details!).RootElement.GetProperty("count").GetInt32()));
        Assert.All(after, e => Assert.InRange(Bytes(e), 1, 1024));
    }

    [Fact]
    public async Task FailedLogins_UnderManyNames_TheSummaryRowNamesTheAttemptedUsernames()
    {
        using var client = _server.Client();
        string[] names = ["first-guess", "admin", "root", "operator"];

        foreach (var name in names)
        {
            using var response = await client.PostAsJsonAsync("/api/auth/login", new { username = name, password = "wrong-password" });
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        await _server.Services.GetRequiredService<AuditHousekeeping>().FlushAsync(all: true, default);
        var summary = (await AllEntriesAsync()).Single(e => e.Action == "auth.login" && e.Reason?.Contains("more like this", StringComparison.Ordinal) == true);
        var usernames = System.Text.Json.JsonDocument.Parse(summary.Details!).RootElement.GetProperty("usernames").EnumerateArray().Select(u => u.GetString()).ToList();

        Assert.Equal(["admin", "operator", "root"], usernames);
    }

    [Fact]
    public void Sampler_NamesAtMostTwentyUsernames_EachCutTo64Characters()
    {
        var time = new FakeTimeProvider();
        var sampler = new AnonymousAuditSampler(Microsoft.Extensions.Options.Options.Create(new ServerOptions()), time);

        sampler.Admit("auth.login", AuditResult.Denied, "203.0.113.9", "first");
        sampler.Admit("auth.login", AuditResult.Denied, "203.0.113.9", new string('a', 500));
        for (var i = 0; i < 40; i++)
        {
            sampler.Admit("auth.login", AuditResult.Denied, "203.0.113.9", $"user-{i:D2}");
        }
        var summary = Assert.Single(sampler.TakeSummaries(all: true));
        var usernames = System.Text.Json.JsonDocument.Parse(summary.Details!).RootElement.GetProperty("usernames").EnumerateArray().Select(u => u.GetString()!).ToList();

        Assert.Equal(20, usernames.Count);
        Assert.Contains(new string('a', 64), usernames);
        Assert.All(usernames, u => Assert.InRange(u.Length, 1, 64));
        Assert.Equal(41, System.Text.Json.JsonDocument.Parse(summary.Details!).RootElement.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task AuthenticatedRequests_AreWrittenOneRowEach_WithBoundedFields()
    {
        var seed = await Seed.CreateAsync(_server.Store);
        using var admin = _server.Client(seed.AdminToken);
        var hugeId = new string('d', 5000);

        using var first = await admin.PostAsync($"/api/deployments/{hugeId}/stop", null);
        using var second = await admin.PostAsync($"/api/deployments/{hugeId}/stop", null);
        var rows = (await AllEntriesAsync()).Where(e => e.Action == "POST /api/deployments/{id}/stop").ToList();

        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.InRange(r.Target!.Length, 1, AuditMiddleware.MaxTargetLength + 1));
        Assert.All(rows, r => Assert.InRange(Bytes(r), 1, 1024));
    }

    [Fact]
    public async Task Retention_DeletesOldAuditEntriesAndProgressEvents_AtStart()
    {
        var directory = Directory.CreateTempSubdirectory("tidegate-retention-").FullName;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-400));
        var store = await TidegateStore.OpenAsync(new StoreOptions(directory), Core.Secrets.SecretProtector.Load(directory), time, default);
        await store.AuditLog.AppendAsync(new NewAuditEntry("admin", "old.action", null, AuditResult.Succeeded), default);
        var old = await store.Operations.CreateAsync(new NewOperation(null, null, OperationKind.Deploy, "admin"), default);
        await store.ProgressEvents.AppendAsync(new NewProgressEvent(old.Id, null, null, ProgressEventKind.Progress, "pull", "old"), default);
        time.Advance(TimeSpan.FromDays(390));
        await store.AuditLog.AppendAsync(new NewAuditEntry("admin", "recent.action", null, AuditResult.Succeeded), default);
        var recent = await store.Operations.CreateAsync(new NewOperation(null, null, OperationKind.Deploy, "admin"), default);
        await store.ProgressEvents.AppendAsync(new NewProgressEvent(recent.Id, null, null, ProgressEventKind.Progress, "pull", "recent"), default);

        await using var server = await RealServer.StartInAsync(directory, "--Audit:Retention", "365.00:00:00", "--Progress:Retention", "30.00:00:00");
        var (audit, progress) = await Wait.UntilAsync(async ct => (
                (await server.Store.AuditLog.QueryAsync(new AuditQuery(), new Page(Page.MaxLimit, 0), ct)).Items.Select(e => e.Action).ToList(),
                (await server.Store.ProgressEvents.ListAfterAsync(0, null, null, 100, ct)).Select(e => e.Message).ToList()),
            found => !found.Item1.Contains("old.action") && !found.Item2.Contains("old"), "the old audit entry and progress event pruned");

        Assert.Contains("recent.action", audit);
        // The reconciler settles both interrupted operations at start and reports it: those events are new.
        Assert.Contains("recent", progress);
    }
}
