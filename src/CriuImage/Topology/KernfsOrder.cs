namespace CriuImage.Topology;

/// <summary>
/// The order in which a live sysfs (kernfs) folder lists its entries: by <c>kernfs_name_hash</c> of the
/// name, then by name (Linux fs/kernfs/dir.c <c>kernfs_name_hash</c>, <c>kernfs_name_compare</c>;
/// include/linux/stringhash.h <c>partial_name_hash</c>, <c>end_name_hash</c> = <c>hash_long(h, 32)</c>).
/// A copy of the topology on an ordinary file system lists its entries in another order; this gives back
/// the order CRIU met on the host the copy came from, assuming the same names.
/// </summary>
internal static class KernfsOrder
{
    private const ulong GoldenRatio64 = 0x61C8864680B583EB;

    /// <summary>The names in kernfs <c>readdir</c> order.</summary>
    public static IReadOnlyList<string> Sort(IEnumerable<string> names) =>
        [.. names.OrderBy(Hash).ThenBy(n => n, StringComparer.Ordinal)];

    /// <summary><c>kernfs_name_hash(name, NULL)</c> on a 64-bit kernel.</summary>
    public static uint Hash(string name)
    {
        ulong hash = 0;
        foreach (byte c in System.Text.Encoding.UTF8.GetBytes(name))
        {
            hash = unchecked((hash + ((ulong)c << 4) + ((ulong)c >> 4)) * 11);
        }

        uint end = (uint)(unchecked(hash * GoldenRatio64) >> 32) & 0x7fffffffU;
        if (end < 2)
        {
            end += 2;
        }

        return end >= int.MaxValue ? int.MaxValue - 1 : end;
    }
}
