using System.Globalization;
using System.Net.Mail;
using System.Text.RegularExpressions;

namespace Tidegate.Core.Definitions.Variables;

internal sealed record VariableError(string Name, string Message);

/// <summary>Checks variable values against their definitions: required, type, pattern, options, min/max.</summary>
internal static class VariableValidator
{
    public static IReadOnlyList<VariableError> Validate(IEnumerable<VariableDefinition> definitions, IReadOnlyDictionary<string, string> values)
    {
        var errors = new List<VariableError>();
        foreach (var d in definitions)
        {
            var value = values.TryGetValue(d.Name, out var v) ? v : d.Default;
            if (string.IsNullOrEmpty(value))
            {
                if (d.Required)
                {
                    errors.Add(new VariableError(d.Name, $"{Title(d)} is required"));
                }

                continue;
            }

            var error = Check(d, value);
            if (error is not null)
            {
                errors.Add(new VariableError(d.Name, $"{Title(d)}: {error}"));
            }
        }

        return errors;
    }

    private static string Title(VariableDefinition d) => d.Label is null ? d.Name : $"{d.Label} ({d.Name})";

    /// <summary>Returns why a non-empty value does not fit, or null when it does.</summary>
    public static string? Check(VariableDefinition d, string value)
    {
        switch (d.Type)
        {
            case VariableType.Number:
                if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    return $"expected a number, got '{value}'";
                }

                if (d.Min is { } min && number < min)
                {
                    return $"expected a number >= {Format(min)}, got {value}";
                }

                if (d.Max is { } max && number > max)
                {
                    return $"expected a number <= {Format(max)}, got {value}";
                }

                break;
            case VariableType.Boolean:
                if (value.ToLowerInvariant() is not ("true" or "false"))
                {
                    return $"expected true or false, got '{value}'";
                }

                break;
            case VariableType.Port:
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                {
                    return $"expected a port number 1-65535, got '{value}'";
                }

                if ((d.Min is { } pmin && port < pmin) || (d.Max is { } pmax && port > pmax))
                {
                    return $"expected a port between {Format(d.Min ?? 1)} and {Format(d.Max ?? 65535)}, got {value}";
                }

                break;
            case VariableType.Url:
                // Uri also accepts "/path" as file:///path on Unix; a URL here needs an explicit scheme.
                if (!value.Contains("://", StringComparison.Ordinal) || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
                {
                    return $"expected an absolute URL such as https://example.com, got '{value}'";
                }

                break;
            case VariableType.Email:
                if (!IsEmail(value))
                {
                    return $"expected an e-mail address, got '{value}'";
                }

                break;
            case VariableType.Select:
                if (d.Options.Count > 0 && !d.Options.Any(o => o.Value == value))
                {
                    return $"expected one of {string.Join(", ", d.Options.Select(o => o.Value))}, got '{value}'";
                }

                break;
            default:
                if (d.Min is { } lmin && value.Length < lmin)
                {
                    return $"expected at least {Format(lmin)} characters, got {value.Length}";
                }

                if (d.Max is { } lmax && value.Length > lmax)
                {
                    return $"expected at most {Format(lmax)} characters, got {value.Length}";
                }

                break;
        }

        if (d.Pattern is not null && !Matches(d.Pattern, value))
        {
            return d.PatternMessage ?? $"expected a value matching {d.Pattern}";
        }

        return null;
    }

    private static bool Matches(string pattern, string value)
    {
        try
        {
            return Regex.IsMatch(value, "^(?:" + pattern + ")$", RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static bool IsEmail(string value)
    {
        if (value.Contains(' ', StringComparison.Ordinal) || !value.Contains('@', StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            var address = new MailAddress(value);
            return address.Address == value && address.Host.Contains('.', StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
