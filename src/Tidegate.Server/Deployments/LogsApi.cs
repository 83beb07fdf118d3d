using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Tidegate.Core.Deployments;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Deployments;

internal sealed record LogLineDto(string Container, string Service, string Stream, DateTimeOffset? Timestamp, string Text)
{
    /// <summary>The line with the deployment's secret values masked (an application may print what it was given).</summary>
    public static LogLineDto From(DeploymentLogLine l, SecretValues secrets) => new(l.Container, l.Service, l.Stream, l.Timestamp, secrets.Mask(l.Text));
}

internal sealed record LogsResponse(IReadOnlyList<LogLineDto> Lines);

internal sealed record LogsQuery(string? Service, int? Tail, string? Since);

/// <summary>GET /api/deployments/{id}/logs (tail) and /logs/follow (Server-Sent Events, <c>event: log</c> per line, a comment as
/// heartbeat, <c>event: end</c> when every container stopped; the stream also ends when the client goes away).</summary>
internal static class LogsApi
{
    public const int MaxTail = 10_000;

    /// <summary>The furthest <c>since</c> may reach back: Docker counts log times from the Unix epoch.</summary>
    public static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapLogsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/deployments/{id}/logs").WithTags("Logs").RequireAuthorization(Policies.Viewer);
        group.MapGet(string.Empty, TailAsync).ScopedBy(deployment: "id");
        group.MapGet("/follow", FollowAsync).ScopedBy(deployment: "id").Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    private static async Task<IResult> TailAsync(string id, [AsParameters] LogsQuery query, TidegateStore store, DeploymentLogs logs, TimeProvider time,
        CancellationToken ct)
    {
        var errors = new FieldErrors();
        var tail = ValidateTail(query.Tail, 200, errors);
        var since = ParseSince(query.Since, time.GetUtcNow(), errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var target = await ResolveAsync(id, query.Service, store, logs, ct);
        if (target.Problem is { } problem)
        {
            return problem;
        }
        try
        {
            var lines = await logs.TailAsync(target.Environment!, target.Containers, tail, since, ct);
            return TypedResults.Ok(new LogsResponse([.. lines.Select(l => LogLineDto.From(l, target.Secrets))]));
        }
        catch (Exception ex) when (IsEngineFailure(ex))
        {
            return EngineUnavailable(target.Environment!, ex);
        }
    }

    private static async Task<IResult> FollowAsync(string id, [AsParameters] LogsQuery query, HttpContext context, TidegateStore store, DeploymentLogs logs,
        IOptions<JsonOptions> json, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var tail = ValidateTail(query.Tail, 50, errors);
        if (query.Since is not null)
        {
            errors.Add("since", "since is not supported when following; use tail.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var target = await ResolveAsync(id, query.Service, store, logs, ct);
        if (target.Problem is { } problem)
        {
            return problem;
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var options = json.Value.SerializerOptions;
        try
        {
            await response.WriteAsync($": logs of deployment {id}\n\n", ct);
            await response.Body.FlushAsync(ct);
            var end = "stopped";
            await using var lines = logs.FollowAsync(target.Environment!, target.Containers, tail, ct).GetAsyncEnumerator(ct);
            var next = lines.MoveNextAsync().AsTask();
            try
            {
                while (true)
                {
                    using var beat = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    var done = await Task.WhenAny(next, Task.Delay(Heartbeat, time, beat.Token));
                    await beat.CancelAsync();
                    ct.ThrowIfCancellationRequested();
                    if (done != next)
                    {
                        await response.WriteAsync(": heartbeat\n\n", ct);
                        await response.Body.FlushAsync(ct);
                        continue;
                    }
                    if (!await next)
                    {
                        break;
                    }
                    var data = JsonSerializer.Serialize(LogLineDto.From(lines.Current, target.Secrets), options);
                    await response.WriteAsync($"event: log\ndata: {data}\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    next = lines.MoveNextAsync().AsTask();
                }
            }
            catch (Exception ex) when (IsEngineFailure(ex) && !ct.IsCancellationRequested)
            {
                end = "engine error: " + ex.Message;
            }
            finally
            {
                // The enumerator may only be disposed once its pending MoveNext finished (cancellation ends it).
                await next.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
            await response.WriteAsync($"event: end\ndata: {JsonSerializer.Serialize(new { reason = end }, options)}\n\n", ct);
            await response.Body.FlushAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client went away
        }
        return Results.Empty;
    }

    private sealed record Target(DeploymentEnvironment? Environment, IReadOnlyList<LogContainer> Containers, IResult? Problem)
    {
        public SecretValues Secrets { get; init; } = SecretValues.None;
    }

    private static async Task<Target> ResolveAsync(string id, string? service, TidegateStore store, DeploymentLogs logs, CancellationToken ct)
    {
        if (await store.Deployments.GetAsync(id, ct) is not { } deployment)
        {
            return new Target(null, [], Problems.NotFound("Deployment", id));
        }
        if (await store.Environments.GetAsync(deployment.EnvironmentId, ct) is not { } environment)
        {
            return new Target(null, [], Problems.NotFound("Environment", deployment.EnvironmentId));
        }
        IReadOnlyList<LogContainer> all;
        try
        {
            all = await logs.ContainersAsync(environment, deployment, null, ct);
        }
        catch (Exception ex) when (IsEngineFailure(ex))
        {
            return new Target(environment, [], EngineUnavailable(environment, ex));
        }
        var secrets = await SecretSources.ForDeploymentAsync(store, deployment, ct);
        if (string.IsNullOrEmpty(service))
        {
            return new Target(environment, all, null) { Secrets = secrets };
        }
        var matching = all.Where(c => c.Service == service).ToList();
        if (matching.Count == 0)
        {
            var known = all.Select(c => c.Service).Distinct().ToList();
            return new Target(environment, [], Problems.Invalid("service",
                $"Deployment '{deployment.Name}' has no container of service '{service}'; its services: {(known.Count == 0 ? "none (nothing runs)" : string.Join(", ", known))}."));
        }
        return new Target(environment, matching, null) { Secrets = secrets };
    }

    private static int ValidateTail(int? tail, int fallback, FieldErrors errors)
    {
        if (tail is < 0 or > MaxTail)
        {
            errors.Add("tail", $"tail must be between 0 and {MaxTail}.");
        }
        return tail ?? fallback;
    }

    /// <summary><c>since</c>: an ISO 8601 time, or a duration back from now such as 30s, 10m, 2h, 1d.</summary>
    internal static DateTimeOffset? ParseSince(string? text, DateTimeOffset now, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        text = text.Trim();
        var reach = now - Earliest;
        if (text.Length >= 2 && char.IsAsciiDigit(text[0]) && "smhd".Contains(text[^1], StringComparison.Ordinal))
        {
            // Parsed as a long and compared in seconds, so 1000000d or 99999999999s is a clear 400, never an overflow.
            if (!long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
                || amount > (long)reach.TotalSeconds / Seconds(text[^1]))
            {
                errors.Add("since", $"since reaches back at most to {Earliest:yyyy-MM-dd} ({(long)reach.TotalDays}d from now).");
                return null;
            }
            return now - TimeSpan.FromSeconds(amount * Seconds(text[^1]));
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            if (at < Earliest)
            {
                errors.Add("since", $"since must not be before {Earliest:yyyy-MM-dd}.");
                return null;
            }
            return at;
        }
        errors.Add("since", "since must be an ISO 8601 time (2026-11-22T05:00:00Z) or a duration such as 30s, 10m, 2h, 1d.");
        return null;
    }

    private static long Seconds(char unit) => unit switch
    {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        _ => 86_400,
    };

    private static bool IsEngineFailure(Exception ex)
        => ex is Docker.DockerUnreachableException or Docker.DockerApiException or HttpRequestException or IOException;

    private static ProblemHttpResult EngineUnavailable(DeploymentEnvironment environment, Exception ex) => Problems.Of(ProblemTypes.Unavailable,
        $"The Docker engine of environment '{environment.Name}' did not answer: {ex.Message}");
}
