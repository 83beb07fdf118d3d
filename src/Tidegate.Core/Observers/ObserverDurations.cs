using System.Globalization;
using System.Text.RegularExpressions;

namespace Tidegate.Core.Observers;

/// <summary>The durations of observer settings (pollingInterval, timeout): parsed without overflow, formatted back.</summary>
internal static partial class ObserverDurations
{
    /// <summary>"30s", "2m", "1h", "1m30s", "1500ms", plain seconds ("30") or hh:mm:ss. Null when it is not a duration or beyond
    /// <see cref="Maximum"/> (so no input can overflow a <see cref="TimeSpan"/>).</summary>
    public static TimeSpan? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length is 0 or > 64)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return Seconds(seconds);
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero && span <= Maximum ? span : null;
        }

        var parts = DurationPart().Matches(text);
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)) != text)
        {
            return null;
        }

        var total = 0.0;
        foreach (Match p in parts)
        {
            var n = double.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture);
            total += p.Groups[2].Value switch
            {
                "ms" => n / 1000,
                "s" => n,
                "m" => n * 60,
                _ => n * 3600,
            };
        }

        return Seconds(total);
    }

    /// <summary>The longest duration <see cref="Parse"/> returns (a year): every field bound is below it.</summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(366);

    public static string Format(TimeSpan value) => value.TotalMilliseconds % 1000 != 0
        ? value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms"
        : value.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";

    private static TimeSpan? Seconds(double seconds) =>
        double.IsFinite(seconds) && seconds >= 0 && seconds <= Maximum.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;

    [GeneratedRegex(@"([0-9]{1,12}(?:\.[0-9]{1,9})?)(ms|s|m|h)")]
    private static partial Regex DurationPart();
}
