namespace CriuImage.Analyzer.Verification;

/// <summary>
/// Finds overlapping inclusive ranges in O(n log n): sort by first page, then sweep keeping the range
/// that reaches furthest. A range overlaps some earlier-starting range exactly when its first page is at
/// most that furthest last page; it is reported once, paired with the range reaching furthest.
/// </summary>
internal static class OverlapSweep
{
    /// <summary>Sorts <paramref name="ranges"/> in place and calls <paramref name="onOverlap"/>(range, earlier) for each range that overlaps an earlier one.</summary>
    public static void Run(Span<MappingRange> ranges, Action<MappingRange, MappingRange> onOverlap)
    {
        if (ranges.IsEmpty)
        {
            return;
        }

        // Kernels list mappings in address order more often than not: an O(n) look spares the sort then.
        if (!IsSorted(ranges))
        {
            ranges.Sort();
        }

        MappingRange furthest = ranges[0];
        for (int i = 1; i < ranges.Length; i++)
        {
            MappingRange range = ranges[i];
            if (range.First <= furthest.Last)
            {
                onOverlap(range, furthest);
            }

            if (range.Last > furthest.Last)
            {
                furthest = range;
            }
        }
    }

    private static bool IsSorted(ReadOnlySpan<MappingRange> ranges)
    {
        for (int i = 1; i < ranges.Length; i++)
        {
            if (ranges[i - 1].CompareTo(ranges[i]) > 0)
            {
                return false;
            }
        }

        return true;
    }
}
