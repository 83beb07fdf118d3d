using System.Data.Common;
using System.Globalization;

namespace Tidegate.Core.Store;

/// <summary>How CLR values map to portable column types: TEXT ids, ISO-8601 UTC text times with a
/// fixed width (so text order is time order), enums as their names, booleans as 0/1 integers.</summary>
internal static class SqlValues
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) =>
        new(DateTime.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);

    public static object ToDb(object? value) => value switch
    {
        null => DBNull.Value,
        DateTimeOffset t => Time(t),
        Enum e => e.ToString(),
        bool b => b ? 1 : 0,
        TimeSpan span => (long)span.TotalMilliseconds,
        _ => value,
    };

    public static string Str(this DbDataReader r, string column) => r.GetString(r.GetOrdinal(column));

    public static string? NStr(this DbDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetString(i);
    }

    public static long Long(this DbDataReader r, string column) => r.GetInt64(r.GetOrdinal(column));

    public static long? NLong(this DbDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetInt64(i);
    }

    public static int Int(this DbDataReader r, string column) => checked((int)r.Long(column));

    public static int? NInt(this DbDataReader r, string column) => r.NLong(column) is { } v ? checked((int)v) : null;

    public static bool Bool(this DbDataReader r, string column) => r.Long(column) != 0;

    public static DateTimeOffset Time(this DbDataReader r, string column) => ParseTime(r.Str(column));

    public static DateTimeOffset? NTime(this DbDataReader r, string column) =>
        r.NStr(column) is { } s ? ParseTime(s) : null;

    public static TimeSpan? NDuration(this DbDataReader r, string column) =>
        r.NLong(column) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

    public static TEnum Enum<TEnum>(this DbDataReader r, string column)
        where TEnum : struct, Enum => System.Enum.Parse<TEnum>(r.Str(column));
}
