using System.Text.RegularExpressions;
using Tidegate.Core.Store;

namespace Tidegate.Core.Observers;

/// <summary>What an observed value means: maintenance, normal, or neither (a value the settings do not know: an error).</summary>
internal static class ObserverSignal
{
    public static OperationMode? Classify(ObserverSettings settings, string? value)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var text = value ?? string.Empty;
        if (Matches(settings, text, settings.MaintenanceValue))
        {
            return OperationMode.Maintenance;
        }

        return settings.NormalValue is null || Matches(settings, text, settings.NormalValue) ? OperationMode.Normal : null;
    }

    /// <summary>A regular expression that runs longer than a second does not match (it does not stop the observer).</summary>
    public static bool Matches(ObserverSettings settings, string value, string expected)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Match != ValueMatch.Regex)
        {
            return string.Equals(value.Trim(), expected.Trim(), StringComparison.Ordinal);
        }

        try
        {
            return Regex.IsMatch(value, expected, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}

/// <summary>Flapping protection: a signal counts only once it was seen <c>stablePolls</c> times in a row.</summary>
internal sealed class FlapGuard(int stablePolls)
{
    private OperationMode? _candidate;
    private int _count;

    /// <summary>How many consecutive polls agree with the latest signal.</summary>
    public int Count => _count;

    /// <summary>The signal once it held long enough; null while it has not.</summary>
    public OperationMode? Observe(OperationMode signal)
    {
        if (_candidate == signal)
        {
            _count = Math.Min(_count + 1, stablePolls);
        }
        else
        {
            _candidate = signal;
            _count = 1;
        }

        return _count >= stablePolls ? signal : null;
    }

    /// <summary>An error breaks the streak.</summary>
    public void Reset()
    {
        _candidate = null;
        _count = 0;
    }
}
