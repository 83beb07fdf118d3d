using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class PageTests
{
    [Theory]
    [InlineData(0, 0, Page.DefaultLimit, 0)]
    [InlineData(-5, -3, Page.DefaultLimit, 0)]
    [InlineData(10, 20, 10, 20)]
    [InlineData(100_000, 0, Page.MaxLimit, 0)]
    public void Page_NormalizesLimitAndOffset(int limit, int offset, int safeLimit, int safeOffset)
    {
        var page = new Page(limit, offset);

        Assert.Equal((safeLimit, safeOffset), (page.SafeLimit, page.SafeOffset));
    }

    [Fact]
    public void DefaultPage_UsesTheDefaultLimit()
    {
        Assert.Equal(Page.DefaultLimit, default(Page).SafeLimit);
    }

    [Fact]
    public void PagedResult_HasMore_WhenItemsRemainBeyondThisPage()
    {
        Assert.True(new PagedResult<int>([1, 2], 5, 2, 0).HasMore);
        Assert.False(new PagedResult<int>([5], 5, 2, 4).HasMore);
    }
}
