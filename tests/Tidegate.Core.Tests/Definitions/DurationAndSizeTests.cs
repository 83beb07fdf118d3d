using Tidegate.Core.Definitions.Compose;

namespace Tidegate.Core.Tests.Definitions;

public sealed class DurationAndSizeTests
{
    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1h5m", 3_900_000)]
    [InlineData("2h30m15s", 9_015_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    [InlineData("100us", 0.1)]
    [InlineData("1m0.5s", 60_500)]
    [InlineData(" 30s ", 30_000)]
    public void ParseDuration_AcceptsComposeDurations(string text, double milliseconds)
    {
        var value = ValueParsers.ParseDuration(text, out var error);

        Assert.Null(error);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("abc")]
    [InlineData("10 s")]
    [InlineData("s")]
    [InlineData("1d")]
    [InlineData("")]
    [InlineData("10s5")]
    [InlineData("-")]
    public void ParseDuration_RejectsOtherText(string text)
    {
        Assert.Null(ValueParsers.ParseDuration(text, out var error));
        Assert.Contains($"expected a duration such as 10s, 1m30s or 500ms, got '{text}'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(90_000, "1m30s")]
    [InlineData(10_000, "10s")]
    [InlineData(500, "500ms")]
    [InlineData(3_600_000, "1h0m0s")]
    [InlineData(1_500, "1.5s")]
    [InlineData(0, "0s")]
    public void FormatDuration_WritesGoStyle(double milliseconds, string expected)
        => Assert.Equal(expected, ValueParsers.FormatDuration(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("1k", 1024)]
    [InlineData("1kb", 1024)]
    [InlineData("512m", 536_870_912)]
    [InlineData("512M", 536_870_912)]
    [InlineData("1g", 1_073_741_824)]
    [InlineData("1GB", 1_073_741_824)]
    [InlineData("1.5g", 1_610_612_736)]
    [InlineData("64MiB", 67_108_864)]
    [InlineData("100b", 100)]
    [InlineData("2t", 2_199_023_255_552)]
    public void ParseBytes_AcceptsDockerSizes(string text, long expected)
    {
        Assert.Equal(expected, ValueParsers.ParseBytes(text, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1x")]
    [InlineData("-1m")]
    [InlineData("")]
    [InlineData("m")]
    public void ParseBytes_RejectsOtherText(string text)
    {
        Assert.Null(ValueParsers.ParseBytes(text, out var error));
        Assert.Contains("expected a byte size", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stop_grace_period: 1m", "")]
    [InlineData("stop_grace_period: forever", "services.web.stop_grace_period")]
    [InlineData("healthcheck:\n  interval: 5", "services.web.healthcheck.interval")]
    [InlineData("shm_size: lots", "services.web.shm_size")]
    [InlineData("mem_limit: 1g", "")]
    public void Service_InvalidDurationOrSize_IsReportedAtItsPath(string yaml, string path)
    {
        var (_, diagnostics) = ServiceFixture.Load(yaml);

        if (path.Length == 0)
        {
            Assert.Empty(diagnostics.Errors());
        }
        else
        {
            Assert.Equal(path, Assert.Single(diagnostics.Errors()).Path);
        }
    }
}
