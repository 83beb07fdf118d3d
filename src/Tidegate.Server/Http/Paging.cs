using Tidegate.Core.Store;

namespace Tidegate.Server.Http;

/// <summary><c>?limit=&amp;offset=</c> of every list endpoint.</summary>
internal sealed record PageRequest(int? Limit, int? Offset)
{
    public FieldErrors Validate(FieldErrors? errors = null)
    {
        errors ??= new FieldErrors();
        if (Limit is < 1 or > Page.MaxLimit)
        {
            errors.Add("limit", $"limit must be between 1 and {Page.MaxLimit}.");
        }
        if (Offset is < 0)
        {
            errors.Add("offset", "offset must not be negative.");
        }
        return errors;
    }

    public Page ToPage() => new(Limit ?? Page.DefaultLimit, Offset ?? 0);
}

/// <summary>The envelope of every list: the page's items, the total and the offset of the next page (null on the last).</summary>
internal sealed record Paged<T>(IReadOnlyList<T> Items, long Total, int Limit, int Offset, int? NextOffset)
{
    public static Paged<T> From<TSource>(PagedResult<TSource> result, Func<TSource, T> map)
        => new([.. result.Items.Select(map)], result.Total, result.Limit, result.Offset,
            result.HasMore ? result.Offset + result.Items.Count : null);

    /// <summary>Pages an in-memory list (catalog views).</summary>
    public static Paged<T> FromList(IReadOnlyList<T> all, Page page)
    {
        var items = all.Skip(page.SafeOffset).Take(page.SafeLimit).ToList();
        var more = page.SafeOffset + items.Count < all.Count;
        return new(items, all.Count, page.SafeLimit, page.SafeOffset, more ? page.SafeOffset + items.Count : null);
    }
}
