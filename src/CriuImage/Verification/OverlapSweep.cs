namespace CriuImage.Verification;

/// <summary>
/// Finds overlapping inclusive ranges in O(n log n): order by first page (ties by arrival), then sweep.
/// <see cref="Run"/> keeps the range that reaches furthest: a range overlaps some earlier range exactly when
/// its first page is at most that furthest last page, and it is reported once, paired with that range.
/// <see cref="Pairs"/> keeps every range still open, so that each overlapping pair is counted. The order comes
/// from memory, or, for more ranges than <see cref="RangeBuffer"/> holds, from its sorted runs merged from disk.
/// </summary>
internal static class OverlapSweep
{
    /// <summary>Receives the ranges in sweep order (a struct: no call through a delegate per range).</summary>
    internal interface IVisitor
    {
        void Visit(in MappingRange range);
    }

    /// <summary>Calls <paramref name="onOverlap"/>(range, earlier) for each range of <paramref name="ranges"/> that overlaps an earlier one.</summary>
    public static void Run(RangeBuffer ranges, Action<MappingRange, MappingRange> onOverlap)
    {
        var sweep = new Sweeper(onOverlap);
        InOrder(ranges, ref sweep);
    }

    /// <summary>
    /// Counts every pair of overlapping ranges, and calls <paramref name="list"/>(range, earlier) for them,
    /// earlier partners in address order, until it returns false; after that the pairs are only counted
    /// (from the number of ranges still open, without visiting them). Memory: the ranges open at once. An
    /// image without overlaps (the usual one) costs only the plain sweep.
    /// </summary>
    /// <returns>The number of overlapping pairs.</returns>
    public static long Pairs(RangeBuffer ranges, Func<MappingRange, MappingRange, bool> list)
    {
        var any = new Sweeper(null);
        InOrder(ranges, ref any);
        if (!any.Found)
        {
            return 0;
        }

        var pairs = new PairSweeper(list);
        InOrder(ranges, ref pairs);
        return pairs.Pairs;
    }

    /// <summary>Visits the ranges by first page, ties in arrival order: from memory, or merged from the runs spilled to disk.</summary>
    private static void InOrder<TVisitor>(RangeBuffer ranges, ref TVisitor visitor)
        where TVisitor : struct, IVisitor
    {
        if (ranges.Runs is null)
        {
            HeldInOrder(ranges, ref visitor);
            return;
        }

        RangeRuns.Merge merge = ranges.SpillAll().MergeAll(ranges.InAddressOrder);
        while (merge.Next(out MappingRange range))
        {
            visitor.Visit(range);
        }
    }

    /// <summary>Visits the ranges held in memory by first page, ties in arrival order.</summary>
    internal static void HeldInOrder<TVisitor>(RangeBuffer ranges, ref TVisitor visitor)
        where TVisitor : struct, IVisitor
    {
        if (ranges.Held == 0)
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
                    visitor.Visit(range);
                }
            }

            return;
        }

        (SortKey[] keys, SortKey[] scratch) = ranges.SortBuffers();
        int next = 0;
        foreach (ReadOnlyMemory<MappingRange> chunk in ranges.Chunks())
        {
            foreach (MappingRange range in chunk.Span)
            {
                keys[next] = new SortKey(range.First, next);
                next++;
            }
        }

        Span<SortKey> sorted = RadixSort(keys.AsSpan(0, next), scratch.AsSpan(0, next));
        RangeBuffer.Lookup lookup = ranges.ToLookup();
        foreach (SortKey key in sorted)
        {
            visitor.Visit(lookup[key.Index]);
        }
    }

    /// <summary>
    /// A stable LSD radix sort by first page, 11 bits a pass, skipping the digits every key shares (page
    /// numbers of a 48-bit VM use 36 bits): keys arrive in index order, so stability keeps index order among
    /// equal pages. Returns whichever of the two buffers holds the sorted keys.
    /// </summary>
    private static Span<SortKey> RadixSort(Span<SortKey> keys, Span<SortKey> scratch)
    {
        const int bits = 11;
        const int mask = (1 << bits) - 1;
        Span<int> starts = stackalloc int[1 << bits];
        Span<SortKey> source = keys;
        Span<SortKey> target = scratch;
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

            Span<SortKey> swap = source;
            source = target;
            target = swap;
        }

        return source;
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

    /// <summary>Keeps the range reaching furthest; reports each range that starts before that reach ends.</summary>
    private struct Sweeper(Action<MappingRange, MappingRange>? onOverlap) : IVisitor
    {
        private MappingRange _furthest;
        private bool _started;

        public bool Found { get; private set; }

        public void Visit(in MappingRange range)
        {
            if (_started && range.First <= _furthest.Last)
            {
                Found = true;
                onOverlap?.Invoke(range, _furthest);
            }

            if (!_started || range.Last > _furthest.Last)
            {
                _furthest = range;
                _started = true;
            }
        }
    }

    /// <summary>Keeps every open range (by last page) and pairs each new range with all of them.</summary>
    private struct PairSweeper(Func<MappingRange, MappingRange, bool> list) : IVisitor
    {
        private readonly PriorityQueue<MappingRange, ulong> _open = new();
        private readonly List<MappingRange> _partners = [];
        private bool _listingDone;

        public long Pairs { get; private set; }

        public void Visit(in MappingRange range)
        {
            while (_open.TryPeek(out _, out ulong last) && last < range.First)
            {
                _open.Dequeue();
            }

            Pairs += _open.Count;
            if (!_listingDone && _open.Count > 0)
            {
                _partners.Clear();
                _partners.AddRange(_open.UnorderedItems.Select(item => item.Element));
                _partners.Sort(static (a, b) => (a.First, a.Bo, a.Mapping).CompareTo((b.First, b.Bo, b.Mapping)));
                foreach (MappingRange partner in _partners)
                {
                    if (!list(range, partner))
                    {
                        _listingDone = true;
                        break;
                    }
                }
            }

            _open.Enqueue(range, range.Last);
        }
    }

    /// <summary>What the sort moves: the first page and the arrival index (16 bytes).</summary>
    internal readonly record struct SortKey(ulong First, int Index);
}
