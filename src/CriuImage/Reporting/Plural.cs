using System.Globalization;

namespace CriuImage.Reporting;

/// <summary>Counts in words, one way in every report: "1 BO", "2 BOs", "0 mappings".</summary>
internal static class Plural
{
    /// <summary><paramref name="count"/> and <paramref name="noun"/>, with an s unless the count is 1.</summary>
    public static string Of(long count, string noun) => string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");

    /// <inheritdoc cref="Of(long, string)"/>
    public static string Of(ulong count, string noun) => string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}
