using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Catalog;
using Tidegate.Core.Deployments;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Hooks;

/// <summary>POST /api/hooks/deploy. <see cref="Environment"/> is a name or id; <see cref="Deployment"/> the deployment's name.
/// <see cref="StackId"/> is needed only for a new deployment; <see cref="Version"/> null means the latest stable version.</summary>
internal sealed record DeployHookBody(string? Environment, string? Deployment, string? StackId, string? Version, IReadOnlyDictionary<string, string>? Variables,
    string? SessionId)
{
    public override string ToString() => $"DeployHookBody {{ Environment = {Environment}, Deployment = {Deployment}, StackId = {StackId}, Version = {Version}, Variables = [{Variables?.Count ?? 0}] }}";
}

internal sealed record DeployHookQuery(bool? Wait, int? TimeoutSeconds);

/// <summary>202: started (or, for a repeated Idempotency-Key, the operation the first request started: <see cref="Replayed"/>).
/// 200 with <c>?wait=true</c>: the outcome.</summary>
internal sealed record DeployHookResponse(string OperationId, string DeploymentId, string Version, string EventsUrl, bool Replayed, string? Status, string? Error);

/// <summary>Remembers Idempotency-Key → the started operation for a day, per caller: in the store (so a delivery repeated
/// after a restart is answered too) and in this process (so concurrent deliveries with one key start one operation).</summary>
internal sealed class DeployHookIdempotency(TimeProvider time, Hosting.StoreHolder holder)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private readonly ConcurrentDictionary<string, (Lazy<Task<(HookStart Start, bool Earlier)>> Start, DateTimeOffset At)> _keys = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="start"/> once per (caller, key); concurrent and later calls get its result. A start that
    /// throws or is refused is forgotten, so the client may retry with the same key.</summary>
    public async Task<(HookStart Start, bool Replayed)> RunOnceAsync(string caller, string key, Func<Task<HookStart>> start)
    {
        var now = time.GetUtcNow();
        foreach (var old in _keys.Where(k => now - k.Value.At > Retention).ToList())
        {
            _keys.TryRemove(old);
        }
        var entry = (Start: new Lazy<Task<(HookStart Start, bool Earlier)>>(async () =>
        {
            var deliveries = holder.Store.WebhookDeliveries;
            if (await deliveries.GetAsync(caller, key, now - Retention, CancellationToken.None) is { } earlier)
            {
                return (new HookStart(earlier.OperationId, earlier.DeploymentId, earlier.Version, null), true);
            }

            var started = await start();
            if (started.Problem is null)
            {
                try
                {
                    await deliveries.AddAsync(caller, key, started.OperationId!, started.DeploymentId!, started.Version!, now - Retention, CancellationToken.None);
                }
                catch (System.Data.Common.DbException)
                {
                    // The operation runs: answer with it. This process still remembers the key; only a restart would forget it.
                }
            }
            return (started, false);
        }), At: now);
        var id = caller + "\n" + key;
        var stored = _keys.GetOrAdd(id, entry);
        (HookStart Start, bool Earlier) result;
        try
        {
            result = await stored.Start.Value;
        }
        catch
        {
            _keys.TryRemove(new KeyValuePair<string, (Lazy<Task<(HookStart, bool)>>, DateTimeOffset)>(id, stored));
            throw;
        }
        if (result.Start.Problem is not null)
        {
            // Only a started operation is remembered: after a refusal (409 busy, 404) a retry with the same key tries again.
            _keys.TryRemove(new KeyValuePair<string, (Lazy<Task<(HookStart, bool)>>, DateTimeOffset)>(id, stored));
        }
        return (result.Start, result.Earlier || !ReferenceEquals(stored.Start, entry.Start));
    }
}

/// <summary>What a deploy hook started: the operation, or a problem answer (cached like a start, so a retry answers the same).</summary>
internal sealed record HookStart(string? OperationId, string? DeploymentId, string? Version, IResult? Problem);

/// <summary>The CI webhook: deploy a catalog version (default: latest stable) into a named deployment, creating it when new.
/// Meant for an API token scoped to the deployment (or its environment): such a token reaches nothing else, and an existing
/// deployment keeps its stack (and so its product): another stackId is refused (403 stack-change-refused). Existing variable
/// values (secrets included) are kept and the body's values override them.</summary>
internal static class HooksApi
{
    public const string IdempotencyHeader = "Idempotency-Key";
    private static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(10);

    public static IEndpointRouteBuilder MapHooksApi(this IEndpointRouteBuilder app)
    {
        // The scope is checked in the handler: the body, not the route, names the environment and deployment.
        app.MapPost("/api/hooks/deploy", DeployAsync).WithTags("Hooks").RequireAuthorization(Policies.Operator).AllowAnyTokenScope();
        return app;
    }

    private static async Task<IResult> DeployAsync(DeployHookBody body, [AsParameters] DeployHookQuery query, HttpContext context, ClaimsPrincipal user,
        TidegateStore store, StackCatalog catalog, DeploymentService engine, DeployHookIdempotency idempotency, CancellationToken ct)
    {
        var errors = new FieldErrors().Name("environment", body.Environment).Name("deployment", body.Deployment, Core.Validation.Names.MaxDeploymentNameLength)
            .Text("sessionId", body.SessionId, 100).VariableNames("variables", body.Variables);
        if (body.StackId is { Length: > 0 } && !StackId.TryParse(body.StackId, out _))
        {
            errors.Add("stackId", "stackId must be source:product:stack.");
        }
        if (query.TimeoutSeconds is < 1 or > 3600)
        {
            errors.Add("timeoutSeconds", "timeoutSeconds must be between 1 and 3600.");
        }
        var key = context.Request.Headers[IdempotencyHeader].ToString();
        if (key.Length > 200)
        {
            errors.Add(IdempotencyHeader, $"{IdempotencyHeader} must have at most 200 characters.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        Func<Task<HookStart>> start = () => StartAsync(body, user, store, catalog, engine, ct);
        var (started, replayed) = key.Length == 0 ? (await start(), false) : await idempotency.RunOnceAsync(Caller(user), key, start);
        if (started.Problem is { } problem)
        {
            return problem;
        }
        var response = new DeployHookResponse(started.OperationId!, started.DeploymentId!, started.Version!, $"/api/operations/{started.OperationId}/events",
            replayed, null, null);
        if (query.Wait != true)
        {
            return TypedResults.Accepted($"/api/operations/{started.OperationId}", response);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(query.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultWait);
        try
        {
            var finished = await engine.WaitForOperationAsync(started.OperationId!, timeout.Token);
            return finished is not null && OperationStatusTransitions.IsTerminal(finished.Status)
                ? TypedResults.Ok(response with { Status = finished.Status.ToString(), Error = finished.Error })
                : TypedResults.Accepted($"/api/operations/{started.OperationId}", response with { Status = finished?.Status.ToString() });
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Waited long enough: the operation goes on; the client follows it with eventsUrl.
            return TypedResults.Accepted($"/api/operations/{started.OperationId}", response with { Status = OperationStatus.Running.ToString() });
        }
    }

    private static async Task<HookStart> StartAsync(DeployHookBody body, ClaimsPrincipal user, TidegateStore store, StackCatalog catalog, DeploymentService engine,
        CancellationToken ct)
    {
        var environment = await store.Environments.GetAsync(body.Environment!, ct)
                          ?? (await store.Environments.ListAsync(new Page(Page.MaxLimit, 0), ct)).Items.FirstOrDefault(e => e.Name == body.Environment);
        if (environment is null)
        {
            return Refuse(Problems.NotFound("Environment", body.Environment!));
        }
        var name = body.Deployment!.Trim();
        var existing = await store.Deployments.GetByNameAsync(environment.Id, name, ct);
        if (OutOfScope(user, environment.Id, existing) is { } refusal)
        {
            return Refuse(Problems.Forbidden(refusal));
        }
        if (existing is not null && body.StackId is { Length: > 0 } named && named != existing.StackId)
        {
            // A token scoped to the deployment must not turn it into another product's (or stack's) deployment.
            return Refuse(Problems.Of(ProblemTypes.StackChangeRefused,
                $"Deployment '{name}' runs stack {existing.StackId}; the webhook deploys only that stack. Another stack needs the deployments API."));
        }
        var stackId = body.StackId is { Length: > 0 } given ? given : existing?.StackId;
        if (stackId is null)
        {
            return Refuse(Problems.Invalid("stackId", $"stackId is required: there is no deployment '{name}' in environment '{environment.Name}' yet."));
        }
        var version = body.Version is { Length: > 0 } wanted ? catalog.FindVersion(stackId, wanted) : catalog.GetLatest(stackId, includePrerelease: false);
        if (version is null || version.IsBroken)
        {
            return Refuse(catalog.FindStack(stackId) is null
                ? Problems.NotFound("Stack", stackId)
                : Problems.NotFound("Version of stack " + stackId, body.Version ?? "latest"));
        }

        // A running deployment moving to a newer version of its product is an upgrade: the seed's flow with snapshot, the
        // Migrating mode and the automatic rollback (its result is what ?wait returns). Everything else is a deploy.
        if (existing?.CurrentRevision is not null && version.StackId.ProductKey == existing.ProductId
            && CatalogVersions.TryParse(existing.Version, out var current) && CatalogVersions.Precedence.Compare(version.Version, current) > 0)
        {
            var upgradeSource = new StackSource(await File.ReadAllTextAsync(version.FullPath, ct), version.FullPath, version.SourceRoot);
            return await engine.UpgradeAsync(new UpgradeWorkRequest(existing.Id, version.StackId.ToString(), version.StackId.ProductKey, version.VersionText!,
                upgradeSource, body.Variables ?? new Dictionary<string, string>(), user.ActorName(), body.SessionId), ct) switch
            {
                OperationStartResult.Started s => new HookStart(s.OperationId, s.DeploymentId, version.VersionText, null),
                OperationStartResult.Invalid i => Refuse(Problems.Invalid(new Dictionary<string, string[]>(i.Errors), $"The upgrade was rejected: {i.Reason}; nothing changed.")),
                OperationStartResult.NotAllowed n => Refuse(Problems.Of(ProblemTypes.Conflict, n.Reason)),
                OperationStartResult.Refused r => Refuse(Problems.Of(ProblemTypes.Conflict, $"Operation {r.RunningOperationId} is running on this deployment; wait for it to finish.",
                    new Dictionary<string, object?> { ["runningOperationId"] = r.RunningOperationId })),
                OperationStartResult.NotFound n => Refuse(Problems.Of(ProblemTypes.NotFound, $"Not found: {n.What}.")),
                var other => throw new InvalidOperationException($"Unexpected engine answer {other}."),
            };
        }

        // Keep what the deployment already has (secrets too); the body overrides by name.
        var values = existing is null ? [] : (await store.Deployments.GetVariablesWithSecretsAsync(existing.Id, ct)).ToList();
        foreach (var (variable, value) in body.Variables ?? new Dictionary<string, string>())
        {
            var at = values.FindIndex(v => v.Name == variable);
            var replaced = new VariableValue(variable, value, at >= 0 && values[at].IsSecret);
            if (at >= 0)
            {
                values[at] = replaced;
            }
            else
            {
                values.Add(replaced);
            }
        }
        var source = new StackSource(await File.ReadAllTextAsync(version.FullPath, ct), version.FullPath, version.SourceRoot);
        var request = new DeployRequest(environment.Id, name, version.StackId.ToString(), version.StackId.ProductKey, version.VersionText!, source, values,
            user.ActorName(), "webhook deploy", body.SessionId);
        return await engine.DeployAsync(request, ct) switch
        {
            OperationStartResult.Started s => new HookStart(s.OperationId, s.DeploymentId, version.VersionText, null),
            OperationStartResult.Refused r => Refuse(Problems.Of(ProblemTypes.Conflict, $"Operation {r.RunningOperationId} is running on this deployment; wait for it to finish.",
                new Dictionary<string, object?> { ["runningOperationId"] = r.RunningOperationId })),
            OperationStartResult.Rejected r => Refuse(Problems.Invalid(new Dictionary<string, string[]> { ["deployment"] = [.. r.Errors] }, $"The request was rejected: {r.Reason}.")),
            OperationStartResult.NotFound n => Refuse(Problems.Of(ProblemTypes.NotFound, $"Not found: {n.What}.")),
            var other => throw new InvalidOperationException($"Unexpected engine answer {other}."),
        };
    }

    /// <summary>Null when the caller may deploy there; else why not. Unscoped operators may deploy anywhere (as with the
    /// deployments API); a deployment-scoped token only to its existing deployment; an environment-scoped one only in its environment.</summary>
    private static string? OutOfScope(ClaimsPrincipal user, string environmentId, DeploymentRecord? existing)
    {
        if (user.FindFirstValue(TidegateClaims.ScopeDeployment) is { } scopeDeployment && scopeDeployment != existing?.Id)
        {
            return "This API token is scoped to another deployment (a deployment-scoped token cannot create deployments).";
        }
        return user.FindFirstValue(TidegateClaims.ScopeEnvironment) is { } scopeEnvironment && scopeEnvironment != environmentId
            ? "This API token is scoped to another environment."
            : null;
    }

    private static string Caller(ClaimsPrincipal user) => user.FindFirstValue(TidegateClaims.TokenId) ?? user.FindFirstValue(TidegateClaims.UserId) ?? user.ActorName();

    private static HookStart Refuse(IResult problem) => new(null, null, null, problem);
}
