using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Store;
using Tidegate.Server.Audit;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Users;

internal sealed record UserResponse(string Id, string Username, string Role, DateTimeOffset? LastLoginAt, DateTimeOffset CreatedAt)
{
    public static UserResponse From(UserRecord u) => new(u.Id, u.Username, TidegateClaims.RoleName(u.Role), u.LastLoginAt, u.CreatedAt);
}

internal sealed record CreateUserRequest(string? Username, string? Password, string? Role);

internal sealed record SetRoleRequest(string? Role);

/// <summary>A new password always ends the user's login sessions; <see cref="RevokeTokens"/> revokes their API tokens too.</summary>
internal sealed record SetPasswordRequest(string? Password, bool? RevokeTokens = null);

internal sealed record EndSessionsQuery(bool? RevokeTokens);

internal static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListAsync);
        group.MapGet("/{userId}", GetAsync);
        group.MapPost("/", CreateAsync);
        group.MapPut("/{userId}/role", SetRoleAsync);
        group.MapPut("/{userId}/password", ResetPasswordAsync);
        group.MapDelete("/{userId}", DeleteAsync);
        group.MapDelete("/{userId}/sessions", EndSessionsAsync).WithAuditAction("users.end-sessions");
        return app;
    }

    private static async Task<Results<Ok<Paged<UserResponse>>, ValidationProblem>> ListAsync(
        [AsParameters] PageRequest paging, TidegateStore store, CancellationToken ct)
    {
        if (paging.Validate() is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        return TypedResults.Ok(Paged<UserResponse>.From(await store.Users.ListAsync(paging.ToPage(), ct), UserResponse.From));
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetAsync(string userId, TidegateStore store, CancellationToken ct)
        => await store.Users.GetAsync(userId, ct) is { } user
            ? TypedResults.Ok(UserResponse.From(user))
            : Problems.NotFound("User", userId);

    private static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateUserRequest request, TidegateStore store, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (PasswordPolicy.CheckUsername(request.Username) is { } nameError)
        {
            errors.Add("username", nameError);
        }
        if (PasswordPolicy.Check(request.Password) is { } passwordError)
        {
            errors.Add("password", passwordError);
        }
        if (!TidegateClaims.TryParseRole(request.Role, out var role))
        {
            errors.Add("role", "role must be admin, operator or viewer.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        return await store.Users.CreateAsync(request.Username!, PasswordPolicy.Hash(request.Password!), role, ct) switch
        {
            SaveResult<UserRecord>.Saved saved => TypedResults.Created($"/api/users/{saved.Value.Id}", UserResponse.From(saved.Value)),
            _ => Problems.Conflict($"A user named '{request.Username}' already exists."),
        };
    }

    private static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> SetRoleAsync(
        string userId, SetRoleRequest request, TidegateStore store, CancellationToken ct)
    {
        if (!TidegateClaims.TryParseRole(request.Role, out var role))
        {
            return Problems.Invalid("role", "role must be admin, operator or viewer.");
        }
        if (await store.Users.GetAsync(userId, ct) is not { } user)
        {
            return Problems.NotFound("User", userId);
        }
        if (user.Role is UserRole.Admin && role is not UserRole.Admin && await store.Users.CountAsync(UserRole.Admin, ct) <= 1)
        {
            return Problems.Conflict("The last admin cannot lose the admin role.");
        }
        await store.Users.SetRoleAsync(userId, role, ct);
        return TypedResults.Ok(UserResponse.From((await store.Users.GetAsync(userId, ct))!));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ResetPasswordAsync(
        string userId, SetPasswordRequest request, ClaimsPrincipal caller, TidegateStore store, Sessions sessions, CancellationToken ct)
    {
        if (PasswordPolicy.Check(request.Password) is { } error)
        {
            return Problems.Invalid("password", error);
        }
        if (!await store.Users.SetPasswordHashAsync(userId, PasswordPolicy.Hash(request.Password!), ct))
        {
            return Problems.NotFound("User", userId);
        }
        if (request.RevokeTokens == true)
        {
            await sessions.EndAllAsync(userId, revokeTokens: true, caller.ActorName(), ct);
        }
        return TypedResults.NoContent();
    }

    /// <summary>Ends every login session of the user and, with <c>?revokeTokens=true</c>, revokes their API tokens.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> EndSessionsAsync(
        string userId, [AsParameters] EndSessionsQuery query, ClaimsPrincipal caller, Sessions sessions, CancellationToken ct)
        => await sessions.EndAllAsync(userId, query.RevokeTokens == true, caller.ActorName(), ct)
            ? TypedResults.NoContent()
            : Problems.NotFound("User", userId);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string userId, ClaimsPrincipal caller, TidegateStore store, CancellationToken ct)
    {
        if (await store.Users.GetAsync(userId, ct) is not { } user)
        {
            return Problems.NotFound("User", userId);
        }
        if (user.Id == caller.UserIdOf())
        {
            return Problems.Conflict("You cannot delete yourself.");
        }
        if (user.Role is UserRole.Admin && await store.Users.CountAsync(UserRole.Admin, ct) <= 1)
        {
            return Problems.Conflict("The last admin cannot be deleted.");
        }
        await store.Users.DeleteAsync(userId, ct);
        return TypedResults.NoContent();
    }
}
