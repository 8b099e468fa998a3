namespace CriuImage.Verification;

/// <summary>
/// Finds overlapping inclusive ranges in O(n log n): order by first page (ties by arrival), then sweep.
/// <see cref="Run"/> keeps the range that reaches furthest: a range overlaps some earlier range exactly when
/// its first page is at most that furthest last page, and it is reported once, paired with that range.
/// <see cref="Pairs"/> keeps every range still open, so that each overlapping pair is counted.
/// </summary>
internal static class OverlapSweep
{
    /// <summary>Calls <paramref name="onOverlap"/>(range, earlier) for each range of <paramref name="ranges"/> that overlaps an earlier one.</summary>
    public static void Run(RangeBuffer ranges, Action<MappingRange, MappingRange> onOverlap)
    {
        var sweep = new Sweeper(onOverlap);
        InOrder(ranges, sweep.Next);
    }

    /// <summary>
    /// Counts every pair of overlapping ranges, and calls <paramref name="list"/>(range, earlier) for them,
    /// earlier partners in address order, until it returns false; after that the pairs are only counted
    /// (from the number of ranges still open, without visiting them). Memory: the ranges open at once.
    /// </summary>
    /// <returns>The number of overlapping pairs.</returns>
    public static long Pairs(RangeBuffer ranges, Func<MappingRange, MappingRange, bool> list)
    {
        var open = new PriorityQueue<MappingRange, ulong>();
        var partners = new List<MappingRange>();
        long pairs = 0;
        bool listing = true;
        InOrder(ranges, range =>
        {
            while (open.TryPeek(out _, out ulong last) && last < range.First)
            {
                open.Dequeue();
            }

            pairs += open.Count;
            if (listing && open.Count > 0)
            {
                partners.Clear();
                partners.AddRange(open.UnorderedItems.Select(item => item.Element));
                partners.Sort(static (a, b) => (a.First, a.Bo, a.Mapping).CompareTo((b.First, b.Bo, b.Mapping)));
                foreach (MappingRange partner in partners)
                {
                    if (!list(range, partner))
                    {
                        listing = false;
                        break;
                    }
                }
            }

            open.Enqueue(range, range.Last);
        });
        return pairs;
    }

    /// <summary>Visits the ranges by first page, ties in arrival order.</summary>
    private static void InOrder(RangeBuffer ranges, Action<MappingRange> visit)
    {
        if (ranges.Count == 0)
        {
            return;
        }

        // Kernels list mappings in address order more often than not: then the ranges are swept where they
        // lie; otherwise only 16-byte keys are sorted, and the ranges looked up through them.
        if (IsSorted(ranges))
        {
            foreach (ReadOnlyMemory<MappingRange> chunk in ranges.Chunks())
            {
                foreach (MappingRange range in chunk.Span)
                {
                    visit(range);
                }
            }

            return;
        }

        var keys = new SortKey[ranges.Count];
        int next = 0;
        foreach (ReadOnlyMemory<MappingRange> chunk in ranges.Chunks())
        {
            foreach (MappingRange range in chunk.Span)
            {
                keys[next] = new SortKey(range.First, next);
                next++;
            }
        }

        RadixSort(keys);
        RangeBuffer.Lookup lookup = ranges.ToLookup();
        foreach (SortKey key in keys)
        {
            visit(lookup[key.Index]);
        }
    }

    /// <summary>
    /// A stable LSD radix sort by first page, 11 bits a pass, skipping the digits every key shares (page
    /// numbers of a 48-bit VM use 36 bits): keys arrive in index order, so stability keeps index order among
    /// equal pages. Takes a second buffer of 16 bytes per key.
    /// </summary>
    private static void RadixSort(SortKey[] keys)
    {
        const int bits = 11;
        const int mask = (1 << bits) - 1;
        var scratch = new SortKey[keys.Length];
        Span<int> starts = stackalloc int[1 << bits];
        SortKey[] source = keys;
        SortKey[] target = scratch;
        for (int shift = 0; shift < 64; shift += bits)
        {
            starts.Clear();
            foreach (SortKey key in source)
            {
                starts[(int)(key.First >> shift) & mask]++;
            }

            if (starts[(int)(source[0].First >> shift) & mask] == source.Length)
            {
                continue;
            }

            int sum = 0;
            for (int digit = 0; digit < starts.Length; digit++)
            {
                (starts[digit], sum) = (sum, sum + starts[digit]);
            }

            foreach (SortKey key in source)
            {
                target[starts[(int)(key.First >> shift) & mask]++] = key;
            }

            (source, target) = (target, source);
        }

        if (source != keys)
        {
            source.CopyTo(keys, 0);
        }
    }

    private static bool IsSorted(RangeBuffer ranges)
    {
        ulong previous = 0;
        foreach (ReadOnlyMemory<MappingRange> chunk in ranges.Chunks())
        {
            foreach (MappingRange range in chunk.Span)
            {
                if (range.First < previous)
                {
                    return false;
                }

                previous = range.First;
            }
        }

        return true;
    }

    private sealed class Sweeper(Action<MappingRange, MappingRange> onOverlap)
    {
        private MappingRange _furthest;
        private bool _started;

        public void Next(MappingRange range)
        {
            if (_started && range.First <= _furthest.Last)
            {
                onOverlap(range, _furthest);
            }

            if (!_started || range.Last > _furthest.Last)
            {
                _furthest = range;
                _started = true;
            }
        }
    }

    /// <summary>What the sort moves: the first page and the arrival index (16 bytes).</summary>
    private readonly record struct SortKey(ulong First, int Index);
}
