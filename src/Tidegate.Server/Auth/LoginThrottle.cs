using Microsoft.Extensions.Options;

namespace Tidegate.Server.Auth;

/// <summary>Exponential backoff per (username, client address) instead of an account lock: failures from one address slow
/// down only that address's guesses at that name, so nobody can lock the admin out by failing on purpose, and the right
/// password from anywhere else still works. Unknown usernames are tracked exactly like known ones, so the throttle tells
/// nothing about which accounts exist. In memory and without a timer (the idle-CPU rule of <see cref="LoginRateLimiter"/>):
/// forgotten pairs are swept on requests, at most once per minute, and the table is capped.</summary>
internal sealed class LoginThrottle(IOptions<ServerOptions> options, TimeProvider time)
{
    /// <summary>Bounds the memory an attacker can make us spend. A full table never fails open: a new pair evicts the pair
    /// that failed longest ago and is not waiting (else the one that failed longest ago), so filling the table with junk
    /// names cannot free the next guess at a real name from its backoff.</summary>
    internal const int MaxTrackedPairs = 20_000;

    /// <summary>The cap; smaller in tests so they can fill the table.</summary>
    internal int Capacity { get; init; } = MaxTrackedPairs;

    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly Dictionary<(string User, string Address), Pair> _pairs = [];
    private readonly Lock _lock = new();
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    private sealed class Pair
    {
        public int Failures { get; set; }
        public DateTimeOffset LastFailure { get; set; }
        public DateTimeOffset WaitUntil { get; set; }
    }

    /// <summary>How long this pair must still wait before a password is checked again; null when it may try now.</summary>
    public TimeSpan? WaitFor(string username, string address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return Current((Key(username), address), now) is { } pair && pair.WaitUntil > now ? pair.WaitUntil - now : null;
        }
    }

    /// <summary>Counts a wrong password; returns the pair's failures in a row.</summary>
    public int RecordFailure(string username, string address)
    {
        var security = options.Value.Security;
        var now = time.GetUtcNow();
        lock (_lock)
        {
            Sweep(now);
            var key = (Key(username), address);
            var pair = Current(key, now);
            if (pair is null)
            {
                if (_pairs.Count >= Capacity)
                {
                    EvictOne(now);
                }
                _pairs[key] = pair = new Pair();
            }
            pair.Failures++;
            pair.LastFailure = now;
            pair.WaitUntil = now + Backoff(pair.Failures, security);
            return pair.Failures;
        }
    }

    /// <summary>The right password: the pair starts from zero.</summary>
    public void RecordSuccess(string username, string address)
    {
        lock (_lock)
        {
            _pairs.Remove((Key(username), address));
        }
    }

    /// <summary>The wait after a pair's n-th failure in a row: none while n &lt; <c>LoginFreeAttempts</c> (those attempts are
    /// answered at once), then base, 2 × base, 4 × base … up to <c>LoginBackoffMax</c>.</summary>
    internal static TimeSpan Backoff(int failures, SecurityOptions security)
    {
        var over = failures - security.LoginFreeAttempts;
        if (over < 0)
        {
            return TimeSpan.Zero;
        }
        var factor = over >= 30 ? double.MaxValue : Math.Pow(2, over);
        var ticks = security.LoginBackoffBase.Ticks * factor;
        return ticks >= security.LoginBackoffMax.Ticks ? security.LoginBackoffMax : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>How many pairs are tracked (tests).</summary>
    public int TrackedPairs
    {
        get
        {
            lock (_lock)
            {
                return _pairs.Count;
            }
        }
    }

    // No stored username is longer than 64 characters; a longer one is kept short so it cannot inflate the table.
    private static string Key(string username)
    {
        var normalized = Core.Store.UserRepository.Normalize(username);
        return normalized.Length > 128 ? normalized[..128] : normalized;
    }

    /// <summary>The pair, unless it has been forgotten: its wait is over and its last failure older than the memory (then
    /// it is removed, so the count really starts again from zero).</summary>
    private Pair? Current((string, string) key, DateTimeOffset now)
    {
        if (!_pairs.TryGetValue(key, out var pair))
        {
            return null;
        }
        if (IsForgotten(pair, now))
        {
            _pairs.Remove(key);
            return null;
        }
        return pair;
    }

    private bool IsForgotten(Pair pair, DateTimeOffset now)
        => pair.WaitUntil <= now && now - pair.LastFailure >= options.Value.Security.LoginFailureMemory;

    private void EvictOne(DateTimeOffset now)
    {
        (string, string)? victim = null;
        Pair? oldest = null;
        var victimWaits = true;
        foreach (var (key, pair) in _pairs)
        {
            var waits = pair.WaitUntil > now;
            var better = oldest is null
                || (victimWaits && !waits)
                || (victimWaits == waits && pair.LastFailure < oldest.LastFailure);
            if (better)
            {
                (victim, oldest, victimWaits) = (key, pair, waits);
            }
        }
        if (victim is { } found)
        {
            _pairs.Remove(found);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        if (now < _nextSweep)
        {
            return;
        }
        foreach (var key in _pairs.Where(p => IsForgotten(p.Value, now)).Select(p => p.Key).ToList())
        {
            _pairs.Remove(key);
        }
        _nextSweep = now + SweepEvery;
    }
}
