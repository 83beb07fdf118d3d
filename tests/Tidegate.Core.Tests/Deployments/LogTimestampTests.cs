using Tidegate.Core.Deployments;

namespace Tidegate.Core.Tests.Deployments;

public sealed class LogTimestampTests
{
    [Theory]
    [InlineData("2026-11-22T05:32:21.123456789Z hello world", "2026-11-22T05:32:21.1234567+00:00", "hello world")]
    [InlineData("2026-11-22T05:32:21.5Z x", "2026-11-22T05:32:21.5000000+00:00", "x")]
    [InlineData("2026-11-22T05:32:21Z no fraction", "2026-11-22T05:32:21.0000000+00:00", "no fraction")]
    [InlineData("2026-11-22T05:32:21.000000001Z ", "2026-11-22T05:32:21.0000000+00:00", "")]
    [InlineData("2026-11-22T05:32:21.000000001Z", "2026-11-22T05:32:21.0000000+00:00", "")]
    [InlineData("2026-11-22T07:32:21.25+02:00 offset", "2026-11-22T05:32:21.2500000+00:00", "offset")]
    [InlineData("2026-11-22T05:32:21.1Z  two spaces keep one", "2026-11-22T05:32:21.1000000+00:00", " two spaces keep one")]
    public void SplitTimestamp_SplitsDockersPrefix(string line, string expected, string text)
    {
        var (at, rest) = DeploymentLogs.SplitTimestamp(line);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), at);
        Assert.Equal(TimeSpan.Zero, at!.Value.Offset);
        Assert.Equal(text, rest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain line without timestamp")]
    [InlineData("2026-13-45T99:99:99Z not a date")]
    [InlineData("2026-11-22 05:32:21 space separated")]
    public void SplitTimestamp_WithoutAValidPrefix_KeepsTheWholeLine(string line)
        => Assert.Equal((null, line), DeploymentLogs.SplitTimestamp(line));
}
