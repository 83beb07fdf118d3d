using System.Globalization;
using Microsoft.Extensions.Options;
using Tidegate.Server.Http;

namespace Tidegate.Server.Auth;

/// <summary>Endpoint metadata: the endpoint counts against the per-address login limit.</summary>
internal sealed class LoginRateLimitMetadata
{
    public static readonly LoginRateLimitMetadata Instance = new();
}

internal static class LoginRateLimitExtensions
{
    /// <summary>At most <c>Security:LoginPermitLimit</c> requests per client address and <c>Security:LoginWindow</c>
    /// to this endpoint and the others marked so; beyond that 429.</summary>
    public static TBuilder RequireLoginRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(LoginRateLimitMetadata.Instance);
}

/// <summary>Fixed windows per client address, counted on request. Deliberately without a timer: ASP.NET's partitioned
/// rate limiter runs a 100 ms heartbeat for the life of the process, which woke the thread pool ten times a second and
/// was most of the idle server's CPU (bench/README.md, "Server: memory and idle CPU"). Ended windows are swept on
/// requests, at most once per window, so the table stays as small as the set of recent addresses.</summary>
internal sealed class LoginRateLimiter(IOptions<ServerOptions> options, TimeProvider time)
{
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    private sealed class Window(DateTimeOffset endsAt)
    {
        public DateTimeOffset EndsAt { get; } = endsAt;
        public int Count { get; set; }
    }

    /// <summary>Counts one request from <paramref name="address"/>; null when it is allowed, else how long until its window ends.</summary>
    public TimeSpan? TryAcquire(string address)
    {
        var security = options.Value.Security;
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (now >= _nextSweep)
            {
                foreach (var ended in _windows.Where(w => w.Value.EndsAt <= now).Select(w => w.Key).ToList())
                {
                    _windows.Remove(ended);
                }
                _nextSweep = now + security.LoginWindow;
            }

            if (!_windows.TryGetValue(address, out var window) || window.EndsAt <= now)
            {
                window = new Window(now + security.LoginWindow);
                _windows[address] = window;
            }

            if (window.Count >= security.LoginPermitLimit)
            {
                return window.EndsAt - now;
            }

            window.Count++;
            return null;
        }
    }

    /// <summary>How many addresses are tracked (tests).</summary>
    public int TrackedAddresses
    {
        get
        {
            lock (_lock)
            {
                return _windows.Count;
            }
        }
    }
}

/// <summary>Applies <see cref="LoginRateLimiter"/> to the endpoints marked with <see cref="LoginRateLimitMetadata"/>.</summary>
internal sealed class LoginRateLimitMiddleware(RequestDelegate next, LoginRateLimiter limiter)
{
    /// <summary>The counted unit: an IPv4 address, or an IPv6 /64 (one client usually holds a whole /64 and could otherwise
    /// rotate through it, getting a fresh limit and a new table entry per request).</summary>
    internal static string Partition(System.Net.IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<LoginRateLimitMetadata>() is not null
            && limiter.TryAcquire(Partition(context.Connection.RemoteIpAddress)) is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            await AuthProblems.WriteAsync(context, ProblemTypes.RateLimited, "Too many login attempts from this address; wait a minute and try again.");
            return;
        }
        await next(context);
    }
}
