using System.Diagnostics;

namespace Tidegate.TestKit;

/// <summary>Waits on conditions with a timeout, never on the clock alone.</summary>
public static class Wait
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Polls <paramref name="probe"/> until <paramref name="condition"/> holds for its value and returns that
    /// value; throws <see cref="TimeoutException"/> naming <paramref name="description"/> and the last value
    /// (or exception) observed.
    /// </summary>
    public static async Task<T> UntilAsync<T>(
        Func<CancellationToken, Task<T>> probe,
        Func<T, bool> condition,
        string description,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        var last = "(nothing observed yet)";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var value = await probe(cancellationToken);
                if (condition(value))
                {
                    return value;
                }

                last = Describe(value);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = $"{ex.GetType().Name}: {ex.Message}";
            }

            if (clock.Elapsed >= limit)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#}s waiting for {description}; last observed: {last}");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Polls a boolean condition.</summary>
    public static Task UntilAsync(Func<CancellationToken, Task<bool>> condition, string description, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        UntilAsync(condition, static ok => ok, description, timeout, cancellationToken);

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        string text => '"' + text + '"',
        System.Collections.IEnumerable items and not string => "[" + string.Join(", ", items.Cast<object?>()) + "]",
        _ => value.ToString() ?? "null",
    };
}
