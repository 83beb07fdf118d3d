using System.Globalization;

namespace Tidegate.Core.Validation;

/// <summary>The one rule set for every name and free-text reason the API accepts. Names end up in log lines, audit rows,
/// container labels, terminal output and HTML: a control character (newline, escape, NUL) or an invisible format character
/// (bidi override, zero-width joiner) there forges lines or hides what an entry really says, so none of them is accepted.</summary>
internal static class Names
{
    /// <summary>Compose project names become container names (<c>{project}-{service}-1</c>) and DNS names on the project's
    /// network: one DNS label at most.</summary>
    public const int MaxDeploymentNameLength = 63;

    public const int MaxNameLength = 100;

    public const int MaxReasonLength = 500;

    /// <summary>Variable names become keys of the Compose environment and of the interpolation map; Compose itself has no
    /// limit, this bounds what one request can make us store and print.</summary>
    public const int MaxVariableNameLength = 128;

    /// <summary>Null when <paramref name="value"/> has no control, format, separator-line or unpaired surrogate character;
    /// otherwise the error, naming the field and the first offending character's position (never the character itself).</summary>
    public static string? CheckText(string field, string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Length > maxLength)
        {
            return $"{field} must have at most {maxLength} characters.";
        }
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsSurrogate(value[i]))
            {
                if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    if (IsInvisible(CharUnicodeInfo.GetUnicodeCategory(value, i)))
                    {
                        return Invisible(field, i);
                    }
                    i++;
                    continue;
                }
                return $"{field} is not valid text (an unpaired surrogate at position {i + 1}).";
            }
            if (IsInvisible(CharUnicodeInfo.GetUnicodeCategory(value[i])))
            {
                return Invisible(field, i);
            }
        }
        return null;
    }

    /// <summary>A name: required, not blank, and <see cref="CheckText"/> (on the text as sent, so a trailing newline counts).</summary>
    public static string? CheckName(string field, string? value, int maxLength = MaxNameLength) => value switch
    {
        null => $"{field} is required.",
        _ when string.IsNullOrWhiteSpace(value) => $"{field} must not be blank.",
        _ => CheckText(field, value, maxLength),
    };

    /// <summary>A Compose project name as docker compose accepts it: lower-case letters, digits, '-' and '_', starting with a
    /// letter or digit.</summary>
    public static bool IsProjectName(string name)
        => name.Length > 0 && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
           && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

    /// <summary>A deployment name is its Compose project name, at most one DNS label long.</summary>
    public static string? CheckDeploymentName(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{field} is required.";
        }
        if (value.Length > MaxDeploymentNameLength)
        {
            return $"{field} must have at most {MaxDeploymentNameLength} characters (it is the compose project name, part of container and DNS names).";
        }
        return IsProjectName(value)
            ? null
            : $"{field} must be lower-case letters, digits, '-' or '_', starting with a letter or digit (it is the compose project name).";
    }

    /// <summary>A stack variable name as Compose interpolates it (<c>${NAME}</c>): <c>[A-Za-z_][A-Za-z0-9_]*</c>, at most
    /// <see cref="MaxVariableNameLength"/> characters. The error never repeats the name.</summary>
    public static string? CheckVariableName(string field, string? value)
    {
        if (CheckName(field, value, MaxVariableNameLength) is { } error)
        {
            return error;
        }
        return IsVariableName(value!)
            ? null
            : $"{field} must be ASCII letters, digits or '_', not starting with a digit (a Compose variable name).";
    }

    private static bool IsVariableName(string name)
        => (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static string Invisible(string field, int index)
        => $"{field} must not contain control or invisible formatting characters (found one at position {index + 1}).";

    private static bool IsInvisible(UnicodeCategory category)
        => category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
