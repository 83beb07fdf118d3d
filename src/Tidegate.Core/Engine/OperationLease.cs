using Tidegate.Core.Store;

namespace Tidegate.Core.Engine;

/// <summary>The operation no longer holds its deployment's lock: it stops before its next step acts.</summary>
internal sealed class LeaseLostException(string message) : Exception(message);

/// <summary>Keeps an operation's deployment lock alive while it runs. The lease is renewed every third of its length; a
/// renewal that fails (store busy, I/O) is retried with a growing pause for as long as the lease still runs. The lease is
/// lost when a renewal finds another holder, when it finds the lease expired, or when the lease ran out locally without a
/// successful renewal; from then on <see cref="ThrowIfLost"/> stops the operation before it acts again.</summary>
/// <param name="renew">One renewal attempt against the store (<see cref="DeploymentLockRepository.RenewAsync"/>).</param>
/// <param name="acquiredAt">When the lock was taken (or last renewed): the lease runs until then + <paramref name="lease"/>.</param>
internal sealed class OperationLease(Func<CancellationToken, Task<LeaseRenewal>> renew, TimeSpan lease, DateTimeOffset acquiredAt, TimeProvider time)
{
    private readonly Lock _gate = new();
    private DateTimeOffset _expiresAt = acquiredAt + lease;
    private string? _lost;

    /// <summary>Renewal attempts that failed with an exception and were retried (for logs and tests).</summary>
    public int FailedAttempts { get; private set; }

    /// <summary>Why the lease is lost; null while it is held.</summary>
    public string? LostReason
    {
        get
        {
            lock (_gate)
            {
                if (_lost is null && time.GetUtcNow() >= _expiresAt)
                {
                    _lost = $"the lease ran out at {_expiresAt:O} without a successful renewal";
                }
                return _lost;
            }
        }
    }

    public bool IsLost => LostReason is not null;

    /// <summary>Throws <see cref="LeaseLostException"/> when the lease is lost; call before an action changes anything.</summary>
    public void ThrowIfLost(string before)
    {
        if (LostReason is { } reason)
        {
            throw new LeaseLostException($"The deployment lock was lost ({reason}); the operation stopped before {before} and did not act again.");
        }
    }

    /// <summary>Renews until <paramref name="ct"/> is cancelled (the operation ended) or the lease is lost.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var interval = lease / 3;
        var firstRetry = TimeSpan.FromTicks(Math.Max(lease.Ticks / 30, TimeSpan.FromMilliseconds(10).Ticks));
        var longestRetry = lease / 6;
        try
        {
            while (!IsLost)
            {
                await Task.Delay(interval, time, ct);
                var retry = firstRetry;
                while (true)
                {
                    var attemptAt = time.GetUtcNow();
                    LeaseRenewal? result;
                    string? failure = null;
                    try
                    {
                        result = await renew(ct);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        (result, failure) = (null, ex.GetType().Name);
                        FailedAttempts++;
                    }

                    if (result == LeaseRenewal.Renewed)
                    {
                        lock (_gate)
                        {
                            _expiresAt = attemptAt + lease;
                        }
                        break;
                    }
                    if (result is { } final)
                    {
                        Lose(final == LeaseRenewal.Expired
                            ? "the lease had expired when it was renewed"
                            : "another operation or instance holds the lock now");
                        return;
                    }
                    if (time.GetUtcNow() + retry >= Expires)
                    {
                        Lose($"renewing failed ({failure}) until the lease ran out");
                        return;
                    }

                    await Task.Delay(retry, time, ct);
                    retry = retry * 2 > longestRetry ? longestRetry : retry * 2;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private DateTimeOffset Expires
    {
        get
        {
            lock (_gate)
            {
                return _expiresAt;
            }
        }
    }

    private void Lose(string reason)
    {
        lock (_gate)
        {
            _lost ??= reason;
        }
    }
}
