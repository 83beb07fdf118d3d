using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class TransitionTableTests
{
    // The mode table as the specification states it; every pair not listed is illegal.
    private static readonly HashSet<(OperationMode, OperationMode)> AllowedModes =
    [
        (OperationMode.Normal, OperationMode.Maintenance), (OperationMode.Normal, OperationMode.Migrating), (OperationMode.Normal, OperationMode.Stopped),
        (OperationMode.Maintenance, OperationMode.Normal), (OperationMode.Maintenance, OperationMode.Migrating), (OperationMode.Maintenance, OperationMode.Stopped),
        (OperationMode.Migrating, OperationMode.Normal), (OperationMode.Migrating, OperationMode.Failed),
        (OperationMode.Failed, OperationMode.Normal), (OperationMode.Failed, OperationMode.Migrating), (OperationMode.Failed, OperationMode.Stopped),
        (OperationMode.Stopped, OperationMode.Normal), (OperationMode.Stopped, OperationMode.Migrating),
    ];

    private static readonly HashSet<(OperationStatus, OperationStatus)> AllowedStatuses =
    [
        (OperationStatus.Pending, OperationStatus.Running), (OperationStatus.Pending, OperationStatus.Cancelled),
        (OperationStatus.Pending, OperationStatus.Failed), (OperationStatus.Pending, OperationStatus.Interrupted),
        (OperationStatus.Running, OperationStatus.Succeeded), (OperationStatus.Running, OperationStatus.Failed),
        (OperationStatus.Running, OperationStatus.RolledBack), (OperationStatus.Running, OperationStatus.Cancelled),
        (OperationStatus.Running, OperationStatus.Interrupted),
        (OperationStatus.Interrupted, OperationStatus.Running), (OperationStatus.Interrupted, OperationStatus.Succeeded),
        (OperationStatus.Interrupted, OperationStatus.Failed), (OperationStatus.Interrupted, OperationStatus.RolledBack),
    ];

    // Enum names, not values: the enums are internal and xunit theories must be public.
    public static TheoryData<string, string> AllModePairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var from in Enum.GetValues<OperationMode>())
        {
            foreach (var to in Enum.GetValues<OperationMode>())
            {
                data.Add(from.ToString(), to.ToString());
            }
        }

        return data;
    }

    public static TheoryData<string, string> AllStatusPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var from in Enum.GetValues<OperationStatus>())
        {
            foreach (var to in Enum.GetValues<OperationStatus>())
            {
                data.Add(from.ToString(), to.ToString());
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllModePairs))]
    public void ModeTable_AllowsExactlyTheSpecifiedTransitions(string fromName, string toName)
    {
        var (from, to) = (Enum.Parse<OperationMode>(fromName), Enum.Parse<OperationMode>(toName));
        var expected = AllowedModes.Contains((from, to));

        Assert.Equal(expected, OperationModeTransitions.IsAllowed(from, to));
        if (!expected)
        {
            var ex = Assert.Throws<IllegalModeTransitionException>(() => OperationModeTransitions.EnsureAllowed(from, to));
            Assert.Equal(OperationModeTransitions.AllowedFrom(from), ex.Allowed);
            foreach (var target in ex.Allowed)
            {
                Assert.Contains(target.ToString(), ex.Message, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllStatusPairs))]
    public void StatusTable_AllowsExactlyTheSpecifiedTransitions(string fromName, string toName)
    {
        var (from, to) = (Enum.Parse<OperationStatus>(fromName), Enum.Parse<OperationStatus>(toName));
        var expected = AllowedStatuses.Contains((from, to));

        Assert.Equal(expected, OperationStatusTransitions.IsAllowed(from, to));
        if (!expected)
        {
            var ex = Assert.Throws<IllegalOperationTransitionException>(() => OperationStatusTransitions.EnsureAllowed("op1", from, to));
            Assert.Equal((from, to), (ex.From, ex.To));
            Assert.Contains("op1", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Succeeded", true)]
    [InlineData("Failed", true)]
    [InlineData("RolledBack", true)]
    [InlineData("Cancelled", true)]
    [InlineData("Pending", false)]
    [InlineData("Running", false)]
    [InlineData("Interrupted", false)]
    public void Status_IsTerminal_OnlyForFinalStatuses(string status, bool terminal)
    {
        Assert.Equal(terminal, OperationStatusTransitions.IsTerminal(Enum.Parse<OperationStatus>(status)));
    }
}
