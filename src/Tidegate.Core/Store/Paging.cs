namespace Tidegate.Core.Store;

/// <summary>Limit/offset paging for every list. A limit of 0 or less (as in <c>default(Page)</c>)
/// means <see cref="DefaultLimit"/>; larger limits are capped at <see cref="MaxLimit"/>.</summary>
internal readonly record struct Page(int Limit = Page.DefaultLimit, int Offset = 0)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    public static Page First(int limit = DefaultLimit) => new(limit, 0);

    public int SafeLimit => Limit <= 0 ? DefaultLimit : Math.Min(Limit, MaxLimit);

    public int SafeOffset => Math.Max(0, Offset);
}

internal sealed record PagedResult<T>(IReadOnlyList<T> Items, long Total, int Limit, int Offset)
{
    public bool HasMore => Offset + Items.Count < Total;
}

/// <summary>Saving a row whose natural key (name, username, host) is already taken is an expected
/// outcome, not a surprise.</summary>
internal abstract record SaveResult<T>
{
    private SaveResult()
    {
    }

    internal sealed record Saved(T Value) : SaveResult<T>;

    internal sealed record Duplicate(string Field, string Value) : SaveResult<T>;

    public T ValueOrThrow() => this is Saved s
        ? s.Value
        : throw new InvalidOperationException($"Expected a saved value, got {this}.");
}
