using Microsoft.AspNetCore.Identity;
using Tidegate.Core.Store;

namespace Tidegate.Server.Auth;

/// <summary>Password rules and hashing. Hashing is ASP.NET Core Identity's PasswordHasher (V3: PBKDF2 with
/// HMAC-SHA512, 100,000 iterations, 128-bit salt), slow on purpose; the hash string carries its version,
/// so stronger settings later still verify old hashes (and report SuccessRehashNeeded).</summary>
internal static class PasswordPolicy
{
    public const int MinimumLength = 12;

    private static readonly PasswordHasher<UserRecord> Hasher = new();

    // A real hash of a random password: verifying against it when the user does not exist keeps the
    // answer time the same, so response times do not reveal which usernames exist.
    private static readonly string DummyHash = Hasher.HashPassword(null!, Guid.NewGuid().ToString("N"));

    public static string? Check(string? password) => password switch
    {
        null or "" => "password is required.",
        { Length: < MinimumLength } => $"password must have at least {MinimumLength} characters.",
        { Length: > 1024 } => "password must have at most 1024 characters.",
        _ => null,
    };

    public static string Hash(string password) => Hasher.HashPassword(null!, password);

    public static bool Verify(UserRecord? user, string password)
    {
        var result = Hasher.VerifyHashedPassword(null!, user?.PasswordHash ?? DummyHash, password);
        return user is not null && result is PasswordVerificationResult.Success or PasswordVerificationResult.SuccessRehashNeeded;
    }

    public static string? CheckUsername(string? username) => username switch
    {
        null or "" => "username is required.",
        { Length: > 64 } => "username must have at most 64 characters.",
        _ when !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@') => "username may contain letters, digits, '.', '_', '-' and '@' only.",
        _ => null,
    };
}
