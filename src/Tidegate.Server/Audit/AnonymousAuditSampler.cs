using Microsoft.Extensions.Options;
using Tidegate.Core.Store;

namespace Tidegate.Server.Audit;

/// <summary>Refused requests without credentials cost an attacker nothing, so they must not cost one fsynced row each. Per
/// action and result, the first one of each <c>Audit:AnonymousWindow</c> is written in full (who, from where) and the rest
/// are counted; when the window has ended one row records how many more there were. The keys are route templates (and one
/// per method for unknown paths), so the table is small whatever the requests look like.</summary>
internal sealed class AnonymousAuditSampler(IOptions<ServerOptions> options, TimeProvider time)
{
    private readonly Dictionary<(string Action, AuditResult Result), Window> _windows = [];
    private readonly Lock _lock = new();

    private sealed class Window(DateTimeOffset start, DateTimeOffset end)
    {
        public DateTimeOffset Start { get; } = start;
        public DateTimeOffset End { get; } = end;
        public int Suppressed { get; set; }
        public HashSet<string> Addresses { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Usernames { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>At most this many distinct addresses are named in a summary row.</summary>
    internal const int MaxAddressesPerSummary = 10;

    /// <summary>At most this many distinct attempted usernames are named in a summary row, each cut to
    /// <see cref="MaxUsernameLength"/>: a count alone would hide which accounts a burst of failed logins went after.</summary>
    internal const int MaxUsernamesPerSummary = 20;

    internal const int MaxUsernameLength = 64;

    /// <summary>Whether this request is written in full (the first of its window), and the summary row of the key's window
    /// that just ended, if it counted any. <paramref name="username"/> is the name a login claimed (the login endpoints
    /// refuse control and invisible characters before they set it).</summary>
    public (bool Write, NewAuditEntry? EndedSummary) Admit(string action, AuditResult result, string? address, string? username = null)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            _windows.TryGetValue((action, result), out var window);
            if (window is not null && window.End > now)
            {
                window.Suppressed++;
                if (address is not null && window.Addresses.Count < MaxAddressesPerSummary)
                {
                    window.Addresses.Add(address);
                }
                if (username is not null && window.Usernames.Count < MaxUsernamesPerSummary)
                {
                    window.Usernames.Add(username.Length > MaxUsernameLength ? username[..MaxUsernameLength] : username);
                }
                return (false, null);
            }
            _windows[(action, result)] = new Window(now, now + options.Value.Audit.AnonymousWindow);
            return (true, window is null ? null : Summary(action, result, window, window.End));
        }
    }

    /// <summary>The summary rows of windows that have ended (all windows with <paramref name="all"/>, at shutdown); each is
    /// returned once.</summary>
    public IReadOnlyList<NewAuditEntry> TakeSummaries(bool all = false)
    {
        var now = time.GetUtcNow();
        var summaries = new List<NewAuditEntry>();
        lock (_lock)
        {
            foreach (var ((action, result), window) in _windows.Where(w => all || w.Value.End <= now).ToList())
            {
                _windows.Remove((action, result));
                if (Summary(action, result, window, window.End > now ? now : window.End) is { } summary)
                {
                    summaries.Add(summary);
                }
            }
        }
        return summaries;
    }

    private static NewAuditEntry? Summary(string action, AuditResult result, Window window, DateTimeOffset to)
    {
        if (window.Suppressed == 0)
        {
            return null;
        }
        var details = System.Text.Json.JsonSerializer.Serialize(new
        {
            count = window.Suppressed,
            from = window.Start,
            to,
            addresses = window.Addresses.Order(StringComparer.Ordinal).ToArray(),
            usernames = window.Usernames.Order(StringComparer.Ordinal).ToArray(),
        });
        return new NewAuditEntry("anonymous", action, null, result, $"{window.Suppressed} more like this in the window (counted, not written one by one)",
            null, details);
    }
}
