namespace Tidegate.Core.Store;

/// <summary>Ids are 32-char lowercase hex strings of version-7 Guids: time-ordered (good index
/// locality), TEXT in every database, and safe in URLs.</summary>
internal static class StoreIds
{
    public static string New(TimeProvider time) => Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
}
