namespace CriuImage.Verification;

/// <summary>
/// Finds overlapping inclusive ranges in O(n log n): order by first page (ties by arrival), then sweep.
/// <see cref="Run"/> keeps the range that reaches furthest: a range overlaps some earlier range exactly when
/// its first page is at most that furthest last page, and it is reported once, paired with that range.
/// <see cref="Pairs"/> keeps every range still open, so that each overlapping pair is counted. The order comes
/// from memory, or, for more ranges than <see cref="SpillBuffer{T}"/> holds, from its sorted runs merged from disk.
/// </summary>
internal static class OverlapSweep
{
    /// <summary>Calls <paramref name="onOverlap"/>(range, earlier) for each range of <paramref name="ranges"/> that overlaps an earlier one.</summary>
    public static void Run(SpillBuffer<MappingRange> ranges, Action<MappingRange, MappingRange> onOverlap)
    {
        var sweep = new Sweeper(onOverlap);
        ranges.InOrder(ref sweep);
    }

    /// <summary>
    /// Counts every pair of overlapping ranges, and calls <paramref name="list"/>(range, earlier) for them,
    /// earlier partners in address order, until it returns false; after that the pairs are only counted
    /// (from the number of ranges still open, without visiting them). Memory: a budget of open ranges, the rest
    /// waiting on disk, and the last pages sorted (spilled as the ranges are). An image without overlaps (the
    /// usual one) costs only the plain sweep.
    /// </summary>
    /// <returns>The number of overlapping pairs.</returns>
    /// <param name="ranges">The ranges.</param>
    /// <param name="list">Receives each listed pair; false ends the listing.</param>
    /// <param name="perRange">Partners listed per range at most (the first in address order).</param>
    /// <param name="unlisted">Receives a range and the number of its partners past <paramref name="perRange"/>.</param>
    /// <param name="openHeld">Open ranges held in memory before the rest wait on disk.</param>
    public static long Pairs(SpillBuffer<MappingRange> ranges, Func<MappingRange, MappingRange, bool> list, int perRange = int.MaxValue, Action<MappingRange, long>? unlisted = null, int openHeld = OpenRanges.HeldAtMost)
    {
        var any = new Sweeper(null);
        ranges.InOrder(ref any);
        if (!any.Found)
        {
            return 0;
        }

        using var lasts = new SpillBuffer<ClosingPage>(ClosingPage.HeldAtMost);
        var collect = new LastPages(lasts);
        ranges.InOrder(ref collect);
        using IEnumerator<ClosingPage> closing = lasts.Ordered().GetEnumerator();
        using var open = new OpenRanges(openHeld);
        var pairs = new PairSweeper(list, perRange, unlisted, closing, open);
        ranges.InOrder(ref pairs);
        return pairs.Pairs;
    }

    /// <summary>Keeps the range reaching furthest; reports each range that starts before that reach ends.</summary>
    private struct Sweeper(Action<MappingRange, MappingRange>? onOverlap) : IOrderedVisitor<MappingRange>
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

    /// <summary>
    /// Pairs each new range with the ranges still open, as the sweep meets them: their number is the ranges met so
    /// far less those whose last page is before the new range's first (every such range starts before it, so it was
    /// met), counted from the last pages in order; the ranges themselves are kept (<see cref="OpenRanges"/>) only
    /// while some are still to be listed. The sweep meets ranges by first page, ties in arrival order, which every
    /// caller makes BO then mapping order: the first open ones met are the first in address order.
    /// </summary>
    private struct PairSweeper(Func<MappingRange, MappingRange, bool> list, int perRange, Action<MappingRange, long>? unlisted, IEnumerator<ClosingPage> lasts, OpenRanges open) : IOrderedVisitor<MappingRange>
    {
        private readonly List<MappingRange> _partners = [];
        private bool _lastsLeft = lasts.MoveNext();
        private long _met;
        private long _closed;
        private bool _listingDone;

        public long Pairs { get; private set; }

        public void Visit(in MappingRange range)
        {
            while (_lastsLeft && lasts.Current.Page < range.First)
            {
                _closed++;
                _lastsLeft = lasts.MoveNext();
            }

            long opened = _met - _closed;
            Pairs += opened;
            _met++;
            if (_listingDone)
            {
                return;
            }

            if (opened > 0)
            {
                open.First(range.First, (int)Math.Min(perRange, opened), _partners);
                foreach (MappingRange partner in _partners)
                {
                    if (!list(range, partner))
                    {
                        _listingDone = true;
                        return;
                    }
                }

                if (opened > _partners.Count)
                {
                    unlisted?.Invoke(range, opened - _partners.Count);
                }
            }

            open.Add(range, range.First);
        }
    }

    /// <summary>A range's last page, for the count of ranges closed (8 bytes).</summary>
    private readonly record struct ClosingPage(ulong Page) : ISpillRecord
    {
        /// <summary>Last pages held before a run is spilled: 1 MiB, and 4 MiB of sort keys.</summary>
        public const int HeldAtMost = 1 << 17;

        public ulong SortKey => Page;
    }

    /// <summary>Collects every range's last page.</summary>
    private readonly struct LastPages(SpillBuffer<ClosingPage> lasts) : IOrderedVisitor<MappingRange>
    {
        public void Visit(in MappingRange range) => lasts.Add(new ClosingPage(range.Last));
    }
}
