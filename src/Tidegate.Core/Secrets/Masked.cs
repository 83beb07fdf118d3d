namespace Tidegate.Core.Secrets;

/// <summary>The one display form of a secret. Constant and never partial, so its length or
/// first characters reveal nothing.</summary>
internal static class Masked
{
    public const string Value = "••••••";

    public static string? Mask(string? secret) => secret is null ? null : Value;
}
