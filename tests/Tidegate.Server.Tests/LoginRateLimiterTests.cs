using Microsoft.Extensions.Options;
using Tidegate.Server.Auth;
using Tidegate.TestKit;

namespace Tidegate.Server.Tests;

public sealed class LoginRateLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    private LoginRateLimiter Limiter(int permits = 2) => new(
        Options.Create(new ServerOptions { Security = { LoginPermitLimit = permits, LoginWindow = TimeSpan.FromMinutes(1) } }), _time);

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData(null, "unknown")]
    public void Addresses_AreCountedPerIPv4Address_OrPerIPv6Slash64(string? address, string partition) =>
        Assert.Equal(partition, LoginRateLimitMiddleware.Partition(address is null ? null : System.Net.IPAddress.Parse(address)));

    [Fact]
    public void BeyondTheLimit_AnAddress_WaitsUntilItsWindowEnds()
    {
        var limiter = Limiter();

        Assert.Null(limiter.TryAcquire("10.0.0.1"));
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Null(limiter.TryAcquire("10.0.0.1"));
        Assert.Equal(TimeSpan.FromSeconds(40), limiter.TryAcquire("10.0.0.1"));

        _time.Advance(TimeSpan.FromSeconds(40));
        Assert.Null(limiter.TryAcquire("10.0.0.1"));
    }

    [Fact]
    public void Addresses_AreCountedApart()
    {
        var limiter = Limiter(permits: 1);

        Assert.Null(limiter.TryAcquire("10.0.0.1"));
        Assert.NotNull(limiter.TryAcquire("10.0.0.1"));
        Assert.Null(limiter.TryAcquire("10.0.0.2"));
    }

    [Fact]
    public void EndedWindows_AreSwept_WithoutATimer()
    {
        var limiter = Limiter();
        for (var i = 0; i < 100; i++)
        {
            limiter.TryAcquire($"10.0.1.{i}");
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        limiter.TryAcquire("10.0.0.1");

        Assert.Equal(1, limiter.TrackedAddresses);
        Assert.Equal(0, _time.ActiveTimers);
    }
}
