using System.Collections.Frozen;

namespace Tidegate.Core.Store;

/// <summary>What a deployment is meant to be doing; separate from health (what its containers do).</summary>
internal enum OperationMode
{
    Normal,
    Maintenance,
    Migrating,
    Failed,
    Stopped,
}

/// <summary>The operation-mode state machine: from → allowed targets. Staying in the same mode is not a transition.</summary>
internal static class OperationModeTransitions
{
    public static FrozenDictionary<OperationMode, OperationMode[]> Table { get; } = new Dictionary<OperationMode, OperationMode[]>
    {
        [OperationMode.Normal] = [OperationMode.Maintenance, OperationMode.Migrating, OperationMode.Stopped],
        [OperationMode.Maintenance] = [OperationMode.Normal, OperationMode.Migrating, OperationMode.Stopped],
        [OperationMode.Migrating] = [OperationMode.Normal, OperationMode.Failed],
        [OperationMode.Failed] = [OperationMode.Normal, OperationMode.Migrating, OperationMode.Stopped],
        [OperationMode.Stopped] = [OperationMode.Normal, OperationMode.Migrating],
    }.ToFrozenDictionary();

    public static IReadOnlyList<OperationMode> AllowedFrom(OperationMode from) => Table[from];

    public static bool IsAllowed(OperationMode from, OperationMode to) => Table[from].Contains(to);

    public static void EnsureAllowed(OperationMode from, OperationMode to)
    {
        if (!IsAllowed(from, to))
        {
            throw new IllegalModeTransitionException(from, to, Table[from]);
        }
    }
}

/// <summary>A requested mode change the table does not allow; becomes a 409 naming the allowed targets.</summary>
internal sealed class IllegalModeTransitionException(OperationMode from, OperationMode to, IReadOnlyList<OperationMode> allowed)
    : InvalidOperationException(
        $"Operation mode cannot change from {from} to {to}. Allowed from {from}: " +
        (allowed.Count == 0 ? "none" : string.Join(", ", allowed)) + ".")
{
    public OperationMode From { get; } = from;

    public OperationMode To { get; } = to;

    public IReadOnlyList<OperationMode> Allowed { get; } = allowed;
}
