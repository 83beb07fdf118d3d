using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Observers;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;
using Tidegate.Server.Progress;

namespace Tidegate.Server.Observers;

/// <summary>A deployment's maintenance observer: its status (GET), an API configuration that overrides the stack's (PUT), and
/// removal of that override (DELETE; the stack's observer, if any, takes over again).</summary>
internal static class ObserversApi
{
    public static IEndpointRouteBuilder MapObserversApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/deployments/{id}").WithTags("Operation modes");
        group.MapGet("/observer", GetAsync).RequireAuthorization(Policies.Viewer).ScopedBy(deployment: "id");
        group.MapPut("/observer", PutAsync).RequireAuthorization(Policies.Operator).ScopedBy(deployment: "id");
        group.MapDelete("/observer", DeleteAsync).RequireAuthorization(Policies.Operator).ScopedBy(deployment: "id");
        return app;
    }

    private static async Task<Results<Ok<ObserverStatusMessage>, ProblemHttpResult>> GetAsync(
        string id, TidegateStore store, ObserverHost observers, CancellationToken ct)
        => await store.Deployments.GetAsync(id, ct) is null ? Problems.NotFound("Deployment", id) : TypedResults.Ok(observers.StatusOf(id));

    /// <summary>The body is the settings object of the seed (type, connectionSecret, propertyName, query, url, path,
    /// maintenanceValue, normalValue, pollingInterval, timeout, ...). A raw connectionString is refused: SQL observers name an
    /// environment secret (admin-managed) with connectionSecret.</summary>
    private static async Task<Results<Ok<ObserverStatusMessage>, ValidationProblem, ProblemHttpResult>> PutAsync(
        string id, JsonElement body, ClaimsPrincipal user, TidegateStore store, ObserverHost observers, CancellationToken ct)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Problems.Invalid("body", "The body must be a JSON object with the observer settings.");
        }
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var p in body.EnumerateObject())
        {
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.String: values[p.Name] = p.Value.GetString(); break;
                case JsonValueKind.Number: values[p.Name] = p.Value.GetRawText(); break;
                case JsonValueKind.True or JsonValueKind.False: values[p.Name] = p.Value.GetBoolean() ? "true" : "false"; break;
                case JsonValueKind.Null: values[p.Name] = null; break;
                default: errors[p.Name] = [$"{p.Name} must be a string, number or boolean."]; break;
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors, "The observer settings are not valid.");
        }
        if (await store.Deployments.GetAsync(id, ct) is not { } deployment)
        {
            return Problems.NotFound("Deployment", id);
        }
        var (settings, problems) = ObserverSettingsParser.Parse(values);
        if (settings is null)
        {
            return Problems.Invalid(problems.ToDictionary(e => e.Key, e => e.Value), "The observer settings are not valid.");
        }
        // What the caller may configure: allowed roots and hosts, regular expressions for admins only.
        var author = user.IsAdmin() ? ObserverAuthor.Admin : ObserverAuthor.Operator;
        var refused = ObserverRules.Check(settings, author, observers.Policy);
        if (refused.Count > 0)
        {
            return Problems.Invalid(refused.ToDictionary(e => e.Key, e => e.Value), "The observer may not reach this.");
        }
        if (settings.ConnectionSecret is { } secret && await observers.EnvironmentSecretAsync(deployment.EnvironmentId, secret, ct) is null)
        {
            // The same message as for a name the server does not list: the answer tells nothing about which secrets exist.
            return Problems.Invalid(new Dictionary<string, string[]> { ["connectionSecret"] = [ObserverErrors.SecretMissing(secret).Message] },
                "The observer may not reach this.");
        }
        await store.Observers.SetAsync(id, settings.ToStored(), user.ActorName(), author, ct);
        await observers.ScanNowAsync(ct);
        return TypedResults.Ok(observers.StatusOf(id));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, TidegateStore store, ObserverHost observers, CancellationToken ct)
    {
        if (await store.Deployments.GetAsync(id, ct) is null)
        {
            return Problems.NotFound("Deployment", id);
        }
        if (!await store.Observers.DeleteAsync(id, ct))
        {
            return Problems.NotFound("Observer configured through the API for deployment", id);
        }
        await observers.ScanNowAsync(ct);
        return TypedResults.NoContent();
    }
}
