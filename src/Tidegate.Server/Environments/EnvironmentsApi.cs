using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Environments;

internal sealed record EnvironmentResponse(string Id, string Name, string DockerEndpoint, TlsMaterialRefs? Tls, bool IsDefault,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static EnvironmentResponse From(DeploymentEnvironment e) => new(e.Id, e.Name, e.DockerEndpoint, e.Tls, e.IsDefault, e.CreatedAt, e.UpdatedAt);
}

internal sealed record EnvironmentRequest(string? Name, string? DockerEndpoint, TlsMaterialRefs? Tls, bool? IsDefault);

/// <summary>A saved value; a secret's value is always the mask.</summary>
internal sealed record VariableValueDto(string Name, string? Value, bool Secret);

internal sealed record VariablesRequest(IReadOnlyList<VariableValueDto>? Variables);

internal static class EnvironmentsApi
{
    public static IEndpointRouteBuilder MapEnvironmentsApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/environments").WithTags("Environments").RequireAuthorization(Policies.Viewer);
        read.MapGet("/", ListAsync);
        read.MapGet("/{environmentId}", GetAsync).ScopedBy(environment: "environmentId");
        read.MapGet("/{environmentId}/variables", ListVariablesAsync).ScopedBy(environment: "environmentId");

        var operate = app.MapGroup("/api/environments").WithTags("Environments").RequireAuthorization(Policies.Operator);
        operate.MapPost("/{environmentId}/test", TestAsync).ScopedBy(environment: "environmentId");

        var admin = app.MapGroup("/api/environments").WithTags("Environments").RequireAuthorization(Policies.Admin);
        admin.MapPost("/", CreateAsync);
        admin.MapPut("/{environmentId}", UpdateAsync);
        admin.MapDelete("/{environmentId}", DeleteAsync);
        admin.MapPut("/{environmentId}/variables", SetVariablesAsync);
        return app;
    }

    private static async Task<Results<Ok<Paged<EnvironmentResponse>>, ValidationProblem>> ListAsync(
        [AsParameters] PageRequest paging, TidegateStore store, CancellationToken ct)
        => paging.Validate() is { Any: true } errors
            ? errors.ToProblem()
            : TypedResults.Ok(Paged<EnvironmentResponse>.From(await store.Environments.ListAsync(paging.ToPage(), ct), EnvironmentResponse.From));

    private static async Task<Results<Ok<EnvironmentResponse>, ProblemHttpResult>> GetAsync(string environmentId, TidegateStore store, CancellationToken ct)
        => await store.Environments.GetAsync(environmentId, ct) is { } env ? TypedResults.Ok(EnvironmentResponse.From(env)) : Problems.NotFound("Environment", environmentId);

    private static async Task<Results<Created<EnvironmentResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        EnvironmentRequest request, TidegateStore store, CancellationToken ct)
    {
        if (Validate(request, requireName: true) is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        var saved = await store.Environments.CreateAsync(new NewEnvironment(request.Name!.Trim(), request.DockerEndpoint!.Trim(), request.Tls, request.IsDefault ?? false), ct);
        return saved switch
        {
            SaveResult<DeploymentEnvironment>.Saved s => TypedResults.Created($"/api/environments/{s.Value.Id}", EnvironmentResponse.From(s.Value)),
            _ => Problems.Conflict($"An environment named '{request.Name}' already exists."),
        };
    }

    private static async Task<Results<Ok<EnvironmentResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string environmentId, EnvironmentRequest request, TidegateStore store, CancellationToken ct)
    {
        if (Validate(request, requireName: false) is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        if (!await store.Environments.UpdateEndpointAsync(environmentId, request.DockerEndpoint!.Trim(), request.Tls, ct))
        {
            return Problems.NotFound("Environment", environmentId);
        }
        if (request.IsDefault == true)
        {
            await store.Environments.SetDefaultAsync(environmentId, ct);
        }
        return TypedResults.Ok(EnvironmentResponse.From((await store.Environments.GetAsync(environmentId, ct))!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string environmentId, TidegateStore store, CancellationToken ct)
        => await store.Environments.DeleteAsync(environmentId, ct) switch
        {
            DeleteResult.Deleted => TypedResults.NoContent(),
            DeleteResult.InUse => Problems.Conflict($"Environment '{environmentId}' still has deployments; remove them first."),
            _ => Problems.NotFound("Environment", environmentId),
        };

    private static async Task<Results<Ok<VariableValueDto[]>, ProblemHttpResult>> ListVariablesAsync(string environmentId, TidegateStore store, CancellationToken ct)
    {
        if (await store.Environments.GetAsync(environmentId, ct) is null)
        {
            return Problems.NotFound("Environment", environmentId);
        }
        var values = await store.Environments.ListVariablesAsync(environmentId, ct);
        return TypedResults.Ok(values.Select(v => new VariableValueDto(v.Name, v.IsSecret ? Masked.Value : v.Value, v.IsSecret)).ToArray());
    }

    /// <summary>Replaces the saved values. A secret sent as the mask keeps its stored value, so a client can
    /// send back what it listed without knowing the secret.</summary>
    private static async Task<Results<Ok<VariableValueDto[]>, ValidationProblem, ProblemHttpResult>> SetVariablesAsync(
        string environmentId, VariablesRequest request, TidegateStore store, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (request.Variables is null)
        {
            errors.Add("variables", "variables is required (an empty list clears all values).");
        }
        else
        {
            foreach (var (v, i) in request.Variables.Select((v, i) => (v, i)))
            {
                errors.Name($"variables[{i}].name", v.Name, 200);
                if (v.Value is null)
                {
                    errors.Add($"variables[{i}].value", "value is required.");
                }
            }
            if (request.Variables.GroupBy(v => v.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } dup)
            {
                errors.Add("variables", $"Variable '{dup.Key}' appears more than once.");
            }
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        if (await store.Environments.GetAsync(environmentId, ct) is null)
        {
            return Problems.NotFound("Environment", environmentId);
        }
        var existing = (await store.Environments.GetVariablesWithSecretsAsync(environmentId, ct)).ToDictionary(v => v.Name, StringComparer.Ordinal);
        var values = request.Variables!.Select(v => new VariableValue(v.Name, v.Secret && v.Value == Masked.Value && existing.TryGetValue(v.Name, out var old)
            ? old.Value : v.Value!, v.Secret)).ToList();
        await store.Environments.SetVariablesAsync(environmentId, values, ct);
        return TypedResults.Ok(values.Select(v => new VariableValueDto(v.Name, v.IsSecret ? Masked.Value : v.Value, v.IsSecret)).ToArray());
    }

    private static async Task<Results<Ok<ConnectionTestResult>, ProblemHttpResult>> TestAsync(
        string environmentId, TidegateStore store, IEnvironmentConnectionTester tester, CancellationToken ct)
        => await store.Environments.GetAsync(environmentId, ct) is { } env
            ? TypedResults.Ok(await tester.TestAsync(env, ct))
            : Problems.NotFound("Environment", environmentId);

    private static FieldErrors Validate(EnvironmentRequest request, bool requireName)
    {
        var errors = new FieldErrors();
        if (requireName)
        {
            errors.Name("name", request.Name);
        }
        errors.Required("dockerEndpoint", request.DockerEndpoint).Text("dockerEndpoint", request.DockerEndpoint, 2048);
        if (request.DockerEndpoint is { Length: > 0 } endpoint
            && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "unix" or "tcp" or "http" or "https" or "npipe" or "ssh"))
        {
            errors.Add("dockerEndpoint", "dockerEndpoint must be a URI such as unix:///var/run/docker.sock or tcp://host:2376.");
        }
        return errors;
    }
}
