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
        ranges.Sort();
        if (ranges.IsEmpty)
        {
            return;
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
}
