using System.Globalization;

namespace CriuImage.Reporting;

/// <summary>Byte counts for people: binary units with three significant figures (<c>2.07 MiB</c>), exact below 1 KiB; never wrapped (128-bit sums).</summary>
internal static class Sizes
{
    private static readonly string[] Units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"];

    /// <summary><paramref name="bytes"/> in the largest binary unit that keeps it at least 1.</summary>
    public static string Humanize(UInt128 bytes)
    {
        if (bytes < 1024)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(ulong)bytes} B");
        }

        double value = (double)bytes;
        int unit = -1;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        string format = value >= 100 ? "F0" : value >= 10 ? "F1" : "F2";
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + Units[unit];
    }
}
