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
    /// (from the number of ranges still open, without visiting them). Memory: the ranges open at once. An
    /// image without overlaps (the usual one) costs only the plain sweep.
    /// </summary>
    /// <returns>The number of overlapping pairs.</returns>
    /// <param name="ranges">The ranges.</param>
    /// <param name="list">Receives each listed pair; false ends the listing.</param>
    /// <param name="perRange">Partners listed per range at most (the first in address order).</param>
    /// <param name="unlisted">Receives a range and the number of its partners past <paramref name="perRange"/>.</param>
    public static long Pairs(SpillBuffer<MappingRange> ranges, Func<MappingRange, MappingRange, bool> list, int perRange = int.MaxValue, Action<MappingRange, long>? unlisted = null)
    {
        var any = new Sweeper(null);
        ranges.InOrder(ref any);
        if (!any.Found)
        {
            return 0;
        }

        var pairs = new PairSweeper(list, perRange, unlisted);
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

    /// <summary>Keeps every open range (by last page) and pairs each new range with all of them.</summary>
    private struct PairSweeper(Func<MappingRange, MappingRange, bool> list, int perRange, Action<MappingRange, long>? unlisted) : IOrderedVisitor<MappingRange>
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
                SelectPartners();
                foreach (MappingRange partner in _partners)
                {
                    if (!list(range, partner))
                    {
                        _listingDone = true;
                        break;
                    }
                }

                if (!_listingDone && _open.Count > _partners.Count)
                {
                    unlisted?.Invoke(range, _open.Count - _partners.Count);
                }
            }

            _open.Enqueue(range, range.Last);
        }

        /// <summary>The first <c>perRange</c> open ranges in address order (then BO, then mapping), without sorting them all.</summary>
        private readonly void SelectPartners()
        {
            _partners.Clear();
            if (_open.Count <= perRange)
            {
                _partners.AddRange(_open.UnorderedItems.Select(item => item.Element));
                _partners.Sort(static (a, b) => (a.First, a.Bo, a.Mapping).CompareTo((b.First, b.Bo, b.Mapping)));
                return;
            }

            foreach ((MappingRange open, ulong _) in _open.UnorderedItems)
            {
                if (_partners.Count == perRange && Earlier(_partners[^1], open))
                {
                    continue;
                }

                int at = _partners.Count;
                while (at > 0 && Earlier(open, _partners[at - 1]))
                {
                    at--;
                }

                _partners.Insert(at, open);
                if (_partners.Count > perRange)
                {
                    _partners.RemoveAt(_partners.Count - 1);
                }
            }
        }

        private static bool Earlier(in MappingRange a, in MappingRange b) =>
            (a.First, a.Bo, a.Mapping).CompareTo((b.First, b.Bo, b.Mapping)) < 0;
    }
}
