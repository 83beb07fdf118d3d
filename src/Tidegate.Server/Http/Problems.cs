using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Validation;

namespace Tidegate.Server.Http;

/// <summary>The stable problem types of the API. Clients switch on <c>type</c>; <c>title</c> is fixed
/// per type, <c>detail</c> is written for a human.</summary>
internal static class ProblemTypes
{
    private const string Base = "https://tidegate.dev/problems/";

    public static readonly ProblemType Validation = new(Base + "validation", "The request is not valid.", 400);
    public static readonly ProblemType BadRequest = new(Base + "bad-request", "The request could not be read.", 400);
    public static readonly ProblemType Antiforgery = new(Base + "antiforgery", "The antiforgery token is missing or invalid.", 400);
    public static readonly ProblemType Unauthenticated = new(Base + "unauthenticated", "Authentication is required.", 401);
    public static readonly ProblemType LoginFailed = new(Base + "login-failed", "The username or password is wrong.", 401);
    public static readonly ProblemType Forbidden = new(Base + "forbidden", "You are not allowed to do this.", 403);
    public static readonly ProblemType StackChangeRefused = new(Base + "stack-change-refused", "The webhook keeps the deployment's stack.", 403);
    public static readonly ProblemType NotFound = new(Base + "not-found", "The resource does not exist.", 404);
    public static readonly ProblemType Conflict = new(Base + "conflict", "The request conflicts with the current state.", 409);
    public static readonly ProblemType IllegalModeTransition = new(Base + "illegal-mode-transition", "The operation mode cannot change this way.", 409);
    public static readonly ProblemType RateLimited = new(Base + "rate-limited", "Too many requests.", 429);
    public static readonly ProblemType Internal = new(Base + "internal", "An unexpected error occurred.", 500);
    public static readonly ProblemType EngineNotWired = new(Base + "engine-not-wired", "The deployment engine is not available in this build.", 501);
    public static readonly ProblemType Unavailable = new(Base + "unavailable", "The service is not ready.", 503);
}

internal sealed record ProblemType(string Uri, string Title, int Status);

/// <summary>Typed ProblemDetails results for endpoints (expected outcomes, not exceptions).</summary>
internal static class Problems
{
    public static ProblemHttpResult Of(ProblemType type, string detail, IDictionary<string, object?>? extensions = null)
        => TypedResults.Problem(detail: detail, statusCode: type.Status, title: type.Title, type: type.Uri, extensions: extensions);

    public static ProblemHttpResult NotFound(string what, string id) => Of(ProblemTypes.NotFound, $"{what} '{id}' does not exist.");

    public static ProblemHttpResult Conflict(string detail) => Of(ProblemTypes.Conflict, detail);

    public static ProblemHttpResult Forbidden(string detail) => Of(ProblemTypes.Forbidden, detail);

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors, string? detail = null)
        => TypedResults.ValidationProblem(errors, detail ?? "One or more fields are not valid.", title: ProblemTypes.Validation.Title, type: ProblemTypes.Validation.Uri);

    public static ValidationProblem Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>Collects field errors in the shape of ValidationProblemDetails.errors.</summary>
internal sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public bool Has(string field) => _errors.ContainsKey(field);

    public FieldErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }
        list.Add(message);
        return this;
    }

    public FieldErrors Required(string field, string? value)
        => string.IsNullOrWhiteSpace(value) ? Add(field, $"{field} is required.") : this;

    /// <summary>A required name: not blank, bounded, no control or invisible formatting characters (<see cref="Names"/>).</summary>
    public FieldErrors Name(string field, string? value, int maxLength = Names.MaxNameLength)
        => Names.CheckName(field, value, maxLength) is { } error ? Add(field, error) : this;

    /// <summary>Optional free text (a reason, a session id): bounded, no control or invisible formatting characters.</summary>
    public FieldErrors Text(string field, string? value, int maxLength = Names.MaxReasonLength)
        => Names.CheckText(field, value, maxLength) is { } error ? Add(field, error) : this;

    /// <summary>The keys of a variables map (deploy, upgrade, CI webhook): each a Compose variable name
    /// (<see cref="Names.CheckVariableName"/>); errors are filed under <paramref name="field"/> and name the key by position.</summary>
    public FieldErrors VariableNames(string field, IReadOnlyDictionary<string, string>? variables)
    {
        var position = 0;
        foreach (var name in variables?.Keys ?? [])
        {
            position++;
            if (Names.CheckVariableName($"{field} name {position}", name) is { } error)
            {
                Add(field, error);
            }
        }
        return this;
    }

    public ValidationProblem ToProblem() => Problems.Invalid(_errors.ToDictionary(p => p.Key, p => p.Value.ToArray()));
}

/// <summary>Gives framework-made problems (unknown route, wrong method) the same stable types as ours.</summary>
internal static class StableProblemTypes
{
    private static readonly ProblemType[] Defaults =
    [
        ProblemTypes.BadRequest, ProblemTypes.Unauthenticated, ProblemTypes.Forbidden, ProblemTypes.NotFound, ProblemTypes.Conflict,
        ProblemTypes.RateLimited, ProblemTypes.Internal, ProblemTypes.EngineNotWired, ProblemTypes.Unavailable,
        new("https://tidegate.dev/problems/method-not-allowed", "The method is not allowed on this resource.", 405),
    ];

    public static void Apply(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type is not null && problem.Type.StartsWith("https://tidegate.dev/", StringComparison.Ordinal))
        {
            return;
        }
        if (Defaults.FirstOrDefault(t => t.Status == problem.Status) is { } type)
        {
            problem.Type = type.Uri;
            problem.Title = type.Title;
            problem.Detail ??= type.Status == 404 ? $"Nothing is at {context.HttpContext.Request.Path}." : null;
        }
    }
}
