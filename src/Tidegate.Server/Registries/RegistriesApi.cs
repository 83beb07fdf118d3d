using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Registries;

/// <summary>Password is always the mask: registry credentials are write-only.</summary>
internal sealed record RegistryResponse(string Host, string Username, string Password, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static RegistryResponse From(RegistryCredentialInfo r) => new(r.Host, r.Username, Tidegate.Core.Secrets.Masked.Value, r.CreatedAt, r.UpdatedAt);
}

internal sealed record RegistryRequest(string? Username, string? Password);

internal static class RegistriesApi
{
    public static IEndpointRouteBuilder MapRegistriesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/registries").WithTags("Registries").RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListAsync);
        group.MapPut("/{host}", SaveAsync);
        group.MapDelete("/{host}", DeleteAsync);
        return app;
    }

    private static async Task<Results<Ok<Paged<RegistryResponse>>, ValidationProblem>> ListAsync(
        [AsParameters] PageRequest paging, TidegateStore store, CancellationToken ct)
        => paging.Validate() is { Any: true } errors
            ? errors.ToProblem()
            : TypedResults.Ok(Paged<RegistryResponse>.From(await store.RegistryCredentials.ListAsync(paging.ToPage(), ct), RegistryResponse.From));

    private static async Task<Results<NoContent, ValidationProblem>> SaveAsync(string host, RegistryRequest request, TidegateStore store, CancellationToken ct)
    {
        var errors = new FieldErrors().Name("username", request.Username, 256).Required("password", request.Password)
            .Name("host", host, 253);
        if (host.Contains('/', StringComparison.Ordinal) || host.Contains(' ', StringComparison.Ordinal))
        {
            errors.Add("host", "host is a registry host name such as registry.example.com:5000.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        await store.RegistryCredentials.SaveAsync(new RegistryCredential(host.ToLowerInvariant(), request.Username!, request.Password!), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string host, TidegateStore store, CancellationToken ct)
        => await store.RegistryCredentials.DeleteAsync(host.ToLowerInvariant(), ct) ? TypedResults.NoContent() : Problems.NotFound("Registry", host);
}
