using Tidegate.Server.Deployments;
using Tidegate.Server.Http;

namespace Tidegate.Server.Tests;

public sealed class LogsQueryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("30s", "2026-11-22T05:59:30Z")]
    [InlineData("10m", "2026-11-22T05:50:00Z")]
    [InlineData("2h", "2026-11-22T04:00:00Z")]
    [InlineData("1d", "2026-11-21T06:00:00Z")]
    [InlineData(" 5m ", "2026-11-22T05:55:00Z")]
    [InlineData("2026-11-22T05:00:00Z", "2026-11-22T05:00:00Z")]
    [InlineData("2026-11-22T07:00:00+02:00", "2026-11-22T05:00:00Z")]
    [InlineData("2026-11-22T05:00:00", "2026-11-22T05:00:00Z")]
    public void ParseSince_AcceptsDurationsAndIsoTimes(string text, string expected)
    {
        var errors = new FieldErrors();

        var since = LogsApi.ParseSince(text, Now, errors);

        Assert.False(errors.Any);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), since);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void ParseSince_WithoutAValue_MeansFromTheStart(string? text)
    {
        var errors = new FieldErrors();

        Assert.Null(LogsApi.ParseSince(text, Now, errors));
        Assert.False(errors.Any);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("10x")]
    [InlineData("-5m")]
    [InlineData("m")]
    [InlineData("5 m")]
    public void ParseSince_OfAnythingElse_IsAFieldError(string text)
    {
        var errors = new FieldErrors();

        Assert.Null(LogsApi.ParseSince(text, Now, errors));
        Assert.True(errors.Any);
    }
}
