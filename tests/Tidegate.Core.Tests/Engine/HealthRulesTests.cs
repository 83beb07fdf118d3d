using System.Globalization;
using Tidegate.Core.Health;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Tests.Engine;

public sealed class HealthRulesTests
{
    // Docker writes StartedAt with nanoseconds.
    private const string StartedAt = "2026-11-22T08:21:53.231234994Z";

    [Theory]
    // status, health, last probe (seconds after StartedAt, or null: no probe), its exit code (or the container's), one-off → verdict
    [InlineData("running", null, null, 0, false, "Healthy")]
    [InlineData("running", "none", null, 0, false, "Healthy")]
    [InlineData("running", "healthy", 1, 0, false, "Healthy")]
    [InlineData("running", "unhealthy", 1, 1, false, "Unhealthy")]
    [InlineData("running", "starting", null, 0, false, "Unknown")]
    [InlineData("running", "starting", 1, 1, false, "Unknown")]
    // A probe of the previous run (before a restart) does not count.
    [InlineData("running", "starting", -5, 0, false, "Unknown")]
    // Live-restored by an engine with moby/moby#47051: reset to "starting" though the container kept running and its last probe passed.
    [InlineData("running", "starting", 30, 0, false, "Healthy")]
    [InlineData("restarting", null, null, 0, false, "Unhealthy")]
    [InlineData("exited", null, null, 0, true, "Healthy")]
    [InlineData("exited", null, null, 0, false, "Unhealthy")]
    [InlineData("exited", null, null, 1, true, "Unhealthy")]
    [InlineData("created", null, null, 0, false, "Unhealthy")]
    [InlineData("dead", null, null, 0, false, "Unhealthy")]
    public void OfContainer(string status, string? health, int? probeAfterStart, int exitCode, bool oneOff, string expected)
    {
        var started = DateTimeOffset.Parse("2026-11-22T08:21:53.2312349Z", CultureInfo.InvariantCulture);
        var state = new ContainerState
        {
            Status = status,
            Running = status == "running",
            Restarting = status == "restarting",
            ExitCode = status == "running" ? 0 : exitCode,
            StartedAt = StartedAt,
            Health = health is null ? null : new Docker.Containers.Health
            {
                Status = health,
                Log = probeAfterStart is { } after
                    ? [new HealthcheckResult { Start = started.AddSeconds(after), End = started.AddSeconds(after + 0.1), ExitCode = exitCode }]
                    : [],
            },
        };

        Assert.Equal(expected, HealthRules.OfContainer(state, 0, oneOff).ToString());
    }

    [Fact]
    public void OfContainer_WithoutState_IsUnknown() => Assert.Equal(HealthState.Unknown, HealthRules.OfContainer(null, 0, oneOff: false));
}
