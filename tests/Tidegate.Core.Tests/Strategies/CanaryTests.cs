using Tidegate.Core.Store;
using Tidegate.Core.Strategies;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Strategies;

public sealed class CanaryTests(DockerDaemonFixture fixture) : EdgeTest(fixture)
{
    [Fact]
    public async Task Canary_StepsWithManualPromote_UnderLoadWithoutAFailedRequest()
    {
        var name = ProjectName();
        const string manual = "\n    steps: [10, 50, 100]\n    pause: manual\n    sticky: true";
        await RolloutAsync(name, WebStack("canary", Web("1.0.0"), "1.0.0", manual), "1.0.0", RolloutStrategyKind.Canary, OperationStatus.Succeeded);
        await WaitEdgeAsync("1.0.0");
        var deploymentId = (await Store.Deployments.GetByNameAsync(Environment.Id, name, Ct))!.Id;

        await using var load = new HttpLoad(Listen, requestsPerSecond: 25, maxRequests: 8_000, maxDuration: TimeSpan.FromSeconds(75));
        var loadStarted = DateTimeOffset.UtcNow;
        load.Start();
        var upgrade = Driver.RunAsync(name, WebStack("canary", Web("2.0.0"), "2.0.0", manual), "2.0.0", RolloutStrategyKind.Canary, Ct);

        // Step 1 (10%): the view shows both sides and the edge's counters; both versions answer.
        var view = await Wait.UntilAsync(ct => Strategies.ViewAsync(Store, deploymentId, ct), v => v is { WaitingForPromote: true, CurrentStep: 0 },
            "canary waiting at 10%", TimeSpan.FromSeconds(60), Ct);
        Assert.Equal(("canary", 10, 90), (view!.Strategy, view.Candidate.Weight, view.Stable.Weight));
        Assert.Equal(("1.0.0", "2.0.0"), (view.Stable.Version, view.Candidate.Version));
        Assert.Equal([10, 50, 100], view.Steps);
        await Wait.UntilAsync(_ => Task.FromResult(load.AnswersFrom("2.0.0") >= 5), "2.0.0 answering some requests at 10%", cancellationToken: Ct);
        view = await Strategies.ViewAsync(Store, deploymentId, Ct);
        Assert.Contains(view!.Counters, c => c.Version == "2.0.0" && c.Requests > 0 && c.Errors == 0);

        // Sticky: a client that keeps the edge's cookie stays on one version.
        using (var sticky = new HttpClient(new SocketsHttpHandler { UseCookies = true, CookieContainer = new System.Net.CookieContainer() }))
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < 20; i++)
            {
                seen.Add((await sticky.GetStringAsync(new Uri($"http://127.0.0.1:{Listen}/"), Ct)).Trim());
            }

            Assert.Single(seen);
        }

        Assert.True(Strategies.Promote(deploymentId));

        await Wait.UntilAsync(ct => Strategies.ViewAsync(Store, deploymentId, ct), v => v is { WaitingForPromote: true, CurrentStep: 1 },
            "canary waiting at 50%", TimeSpan.FromSeconds(30), Ct);
        Assert.True(Strategies.Promote(deploymentId));
        var (operation, deployment) = await upgrade;
        Assert.True(operation.Status == OperationStatus.Succeeded, operation.Error);
        Assert.Equal("2.0.0", await FirstAnswerAsync(Listen));
        Assert.Equal("2.0.0", deployment.Version);
        Assert.Null(await Strategies.ViewAsync(Store, deploymentId, Ct));

        var phases = await PhasesAsync(operation);
        Assert.Contains("traffic 0% → 10% (green)", phases);
        Assert.Contains("traffic 10% → 50% (green)", phases);
        Assert.Contains("traffic 50% → 100% (green)", phases);
        Assert.Contains("draining blue", phases);
        var server = Assert.Single((await Edge.StatusAsync(Ct)).Frontends[0].Servers);
        Assert.Equal("r2-1", server.Name);
        Assert.False(await ContainerExistsAsync($"{name}-web-1"));

        await Wait.UntilAsync(_ => Task.FromResult(load.Completed > 200), "load ran", cancellationToken: Ct);
        await load.StopAsync();
        Assert.True(load.Failures.Count == 0, $"load started {loadStarted:HH:mm:ss.fff} failures: {string.Join(" | ", load.Failures.Take(8))}\n{await TimelineAsync(operation)}");
        Assert.True(load.AnswersFrom("1.0.0") > 0 && load.AnswersFrom("2.0.0") > 0);
    }

    /// <summary>A version that is healthy but answers 500 on every page: the error-rate gate aborts and 100% goes back.</summary>
    [Fact]
    public async Task Canary_ErrorRateGate_AbortsAndSendsAllTrafficBackToStable()
    {
        var name = ProjectName();
        const string gated = "\n    steps: [25, 100]\n    pause: 20s\n    gates:\n      maxErrorRate: 0.05\n      minRequests: 5";
        await RolloutAsync(name, WebStack("canary", Web("1.0.0"), "1.0.0", gated), "1.0.0", RolloutStrategyKind.Canary, OperationStatus.Succeeded);
        await WaitEdgeAsync("1.0.0");

        await using var load = new HttpLoad(Listen, requestsPerSecond: 25, maxRequests: 12_000, maxDuration: TimeSpan.FromSeconds(180));
        load.Start();
        const string erroring = """

                entrypoint:
                  - /bin/sh
                  - -c
                  - |
                    cat > /tmp/h.sh <<'H'
                    #!/bin/sh
                    read -r m p v
                    while read -r l; do l=$$(printf '%s' "$$l" | tr -d '\r'); [ -z "$$l" ] && break; done
                    if [ "$$p" = /health ]; then s="200 OK"; else s="500 Internal Server Error"; fi
                    printf 'HTTP/1.0 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' "$$s"
                    H
                    chmod 755 /tmp/h.sh
                    exec nc -ll -p 8080 -e /tmp/h.sh
            """;
        var (operation, deployment) = await Driver.RunAsync(name, WebStack("canary", Web("2.0.0"), "2.0.0", gated, erroring), "2.0.0", RolloutStrategyKind.Canary, Ct);
        Assert.True(operation.Status == OperationStatus.RolledBack, $"operation {operation.Status}: {operation.Error}\n{await TimelineAsync(operation)}");
        Assert.Contains("error rate", operation.Error, StringComparison.Ordinal);
        Assert.Equal(("1.0.0", 1), (deployment.Version, deployment.CurrentRevision!.Value));

        var server = Assert.Single((await Edge.StatusAsync(Ct)).Frontends[0].Servers);
        Assert.Equal(("r1-1", 100), (server.Name, server.Weight));
        Assert.False(await ContainerExistsAsync($"{name}-web-1-green"));
        Assert.Equal("1.0.0", await FirstAnswerAsync(Listen));

        // HAProxy retries a failed GET on another server, so users see only the few whose retries all met the canary,
        // and none once the gate has sent everything back.
        var failedDuringCanary = load.Failures.Count;
        var completedAtAbort = load.Completed;
        await Wait.UntilAsync(_ => Task.FromResult(load.Completed > completedAtAbort + 300), "load after the abort", cancellationToken: Ct);
        await load.StopAsync();
        Assert.Equal(failedDuringCanary, load.Failures.Count);
        Assert.All(load.Failures, f => Assert.Contains(" 500", f, StringComparison.Ordinal));
        Assert.True(failedDuringCanary < load.Completed / 20, $"{failedDuringCanary} of {load.Completed} failed");
        Assert.Equal(0, load.AnswersFrom("2.0.0"));
    }
}
