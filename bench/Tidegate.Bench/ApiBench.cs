using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Store;
using Tidegate.Server;
using Tidegate.Server.Progress;

namespace Tidegate.Bench;

/// <summary>The server in-process on a loopback port with its real SQLite store: (1) latency of GET /api/deployments
/// (one page of 50, and one page of 500) with N deployments stored; (2) an event published by the engine's progress
/// publisher (stored, then pushed) until an SSE client of /api/operations/{id}/events has read it.</summary>
internal static class ApiBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var deployments = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
        var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var events = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var dir = Path.Combine(Path.GetTempPath(), "tidegate-bench-api-" + Guid.NewGuid().ToString("N"));
        // No engine is needed: the default environment points at a socket that does not exist, so nothing talks to Docker.
        var app = ServerHost.Build(["--urls", "http://127.0.0.1:0", "--DataDirectory", dir, "--DockerEndpoint", "unix:///nonexistent/docker.sock",
            "--Logging:LogLevel:Default", "Warning"]);
        await app.StartAsync();
        try
        {
            var store = app.Services.GetRequiredService<TidegateStore>();
            var ct = CancellationToken.None;
            var user = (await store.Users.CreateAsync("bench", "not-a-password-hash", UserRole.Admin, ct)).ValueOrThrow();
            var token = (await store.ApiTokens.IssueAsync(new NewApiToken(user.Id, "bench"), ct)).Token;
            var environment = (await store.Environments.CreateAsync(new NewEnvironment("bench", "unix:///nonexistent/docker.sock"), ct)).ValueOrThrow();
            for (var i = 0; i < deployments; i++)
            {
                (await store.Deployments.CreateAsync(new NewDeployment(environment.Id, $"app-{i:D4}", "demo:demo-web:web", "demo:demo-web", "1.0.0"),
                    [new VariableValue("PORT", "8080", false)], ct)).ValueOrThrow();
            }
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            Console.WriteLine($"{deployments} deployments stored; {requests} sequential requests per case after 100 warm-up requests (keep-alive, loopback)");
            foreach (var path in new[] { "/api/deployments", "/api/deployments?limit=500" })
            {
                var times = await TimeRequestsAsync(http, path, requests);
                Console.WriteLine($"GET {path,-28} p50 {Percentile(times, 0.50):F2} ms  p95 {Percentile(times, 0.95):F2} ms  p99 {Percentile(times, 0.99):F2} ms  max {times[^1]:F2} ms");
            }

            var sse = await SseLatencyAsync(app, store, http, environment, events);
            Console.WriteLine($"publish -> SSE client read, {events} events: p50 {Percentile(sse, 0.50):F2} ms  p95 {Percentile(sse, 0.95):F2} ms  p99 {Percentile(sse, 0.99):F2} ms  max {sse[^1]:F2} ms");
            return 0;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<List<double>> TimeRequestsAsync(HttpClient http, string path, int requests)
    {
        for (var i = 0; i < 100; i++)
        {
            using var warm = await http.GetAsync(new Uri(path, UriKind.Relative));
            await warm.Content.ReadAsByteArrayAsync();
        }
        var times = new List<double>(requests);
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        times.Sort();
        return times;
    }

    private static async Task<List<double>> SseLatencyAsync(WebApplication app, TidegateStore store, HttpClient http, DeploymentEnvironment environment, int events)
    {
        var ct = CancellationToken.None;
        var deployment = (await store.Deployments.ListAsync(environment.Id, new Page(1, 0), ct)).Items[0];
        var operation = await store.Operations.CreateAsync(new NewOperation(deployment.Id, deployment.Name, OperationKind.Deploy, "bench"), ct);
        await store.Operations.TransitionAsync(operation.Id, OperationStatus.Running, null, ct);
        var publisher = app.Services.GetRequiredService<IProgressPublisher>();

        using var response = await http.GetAsync(new Uri($"/api/operations/{operation.Id}/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        await reader.ReadLineAsync(); // the opening comment: the subscription is live from here on
        var times = new List<double>(events);
        for (var i = 0; i < events + 10; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            await publisher.PublishAsync(new ProgressUpdate(operation.Id, deployment.Id, null, "bench", sent.ToString(CultureInfo.InvariantCulture), i % 100), ct);
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data:", StringComparison.Ordinal))
                {
                    continue;
                }
                var message = JsonDocument.Parse(line[5..]).RootElement.GetProperty("message").GetString()!;
                if (long.Parse(message, CultureInfo.InvariantCulture) == sent)
                {
                    break;
                }
            }
            if (i >= 10)
            {
                times.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }
        }
        times.Sort();
        return times;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
