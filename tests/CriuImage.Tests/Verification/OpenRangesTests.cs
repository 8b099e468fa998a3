using CriuImage.Verification;

namespace CriuImage.Tests;

/// <summary>
/// The pair sweep with its open ranges partly on disk (<see cref="OpenRanges"/>) and their number counted from the
/// sorted last pages: the same pairs, partners, unlisted counts and totals as every earlier range compared with every
/// later one (the reference below), whether 2, 5 or 64 open ranges are held in memory, with ranges spilled or held,
/// listing every partner, 10 a range, or stopping part way.
/// </summary>
public class OpenRangesTests
{
    [Theory]
    [InlineData(2, 400, 1)]
    [InlineData(5, 700, 3)]
    [InlineData(64, 900, 40)] // long ranges: many open at once
    [InlineData(OpenRanges.HeldAtMost, 600, 8)]
    public void Pairs_AreThoseOfEveryRangeAgainstEveryEarlierOne(int openHeld, int count, int longest)
    {
        var random = new Random(openHeld * 7 + count);
        for (int round = 0; round < 6; round++)
        {
            MappingRange[] ranges = Ranges(random, count, longest, identical: round == 5);
            foreach ((int perRange, int stopAfter) in new[] { (int.MaxValue, int.MaxValue), (10, int.MaxValue), (3, int.MaxValue), (int.MaxValue, 500) })
            {
                Listing expected = Reference(ranges, perRange, stopAfter);
                foreach (int budget in new[] { int.MaxValue, 50 })
                {
                    using var buffer = new SpillBuffer<MappingRange>(budget);
                    foreach (MappingRange range in ranges)
                    {
                        buffer.Add(range);
                    }

                    var got = new Listing();
                    got.Total = OverlapSweep.Pairs(
                        buffer,
                        (range, other) =>
                        {
                            if (got.Pairs.Count == stopAfter)
                            {
                                return false;
                            }

                            got.Pairs.Add((range, other));
                            return true;
                        },
                        perRange,
                        (range, more) => got.Unlisted.Add((range, more)),
                        openHeld);
                    Assert.Equal(expected.Total, got.Total);
                    Assert.Equal(expected.Pairs, got.Pairs);
                    Assert.Equal(expected.Unlisted, got.Unlisted);
                }
            }
        }
    }

    /// <summary>Ranges in BO then mapping order, as the scan adds them, over pages where many share a first page.</summary>
    private static MappingRange[] Ranges(Random random, int count, int longest, bool identical)
    {
        var ranges = new MappingRange[count];
        ulong space = (ulong)count;
        for (int i = 0; i < count; i++)
        {
            ulong first = identical ? 7 : (ulong)random.NextInt64((long)space);
            ranges[i] = new MappingRange(first, first + (ulong)random.Next(0, longest + 1), i / 4, (uint)(i % 4));
        }

        return ranges;
    }

    /// <summary>The sweep's definition: ranges by first page then BO and mapping; each paired with every earlier one still open, those listed in that order.</summary>
    private static Listing Reference(MappingRange[] ranges, int perRange, int stopAfter)
    {
        MappingRange[] ordered = [.. ranges.OrderBy(r => (r.First, r.Bo, r.Mapping))];
        var listing = new Listing();
        bool listingOn = true;
        for (int i = 0; i < ordered.Length; i++)
        {
            MappingRange range = ordered[i];
            List<MappingRange> partners = [.. ordered.Take(i).Where(r => r.Last >= range.First)];
            listing.Total += partners.Count;
            if (!listingOn || partners.Count == 0)
            {
                continue;
            }

            foreach (MappingRange partner in partners.Take(perRange))
            {
                if (listing.Pairs.Count == stopAfter)
                {
                    listingOn = false;
                    break;
                }

                listing.Pairs.Add((range, partner));
            }

            if (listingOn && partners.Count > perRange)
            {
                listing.Unlisted.Add((range, partners.Count - perRange));
            }
        }

        return listing;
    }

    private sealed class Listing
    {
        public long Total { get; set; }

        public List<(MappingRange, MappingRange)> Pairs { get; } = [];

        public List<(MappingRange, long)> Unlisted { get; } = [];
    }
}
