using CriuImage.Verification;

namespace CriuImage.Tests;

/// <summary>
/// The overlap sweep over ranges spilled to disk in sorted runs (<see cref="SpillBuffer{T}"/> past its budget) gives
/// the same pairs in the same order as over the same ranges held in memory: the findings, their order and their
/// counts do not depend on where the ranges were kept.
/// </summary>
public class RangeSpillTests
{
    [Theory]
    [InlineData(1, 300)] // one range a run: 300 runs, merged in groups of 64 first
    [InlineData(7, 500)]
    [InlineData(64, 5000)] // more runs than are merged at once
    [InlineData(1000, 999)] // under the budget: nothing spilled
    public void SpilledRuns_GiveThePairsOfTheHeldRanges_InTheSameOrder(int budget, int count)
    {
        var random = new Random(budget * 31 + count);
        for (int round = 0; round < 8; round++)
        {
            MappingRange[] ranges = Ranges(random, count, inOrder: round % 4 == 0);
            using var held = new SpillBuffer<MappingRange>(int.MaxValue);
            using var spilled = new SpillBuffer<MappingRange>(budget);
            foreach (MappingRange range in ranges)
            {
                held.Add(range);
                spilled.Add(range);
            }

            Assert.Equal(count > budget, spilled.Runs is not null);
            Assert.Null(held.Runs);
            foreach (int listed in new[] { int.MaxValue, 10 })
            {
                (long heldTotal, List<(MappingRange, MappingRange)> heldPairs) = Pairs(held, listed);
                (long spilledTotal, List<(MappingRange, MappingRange)> spilledPairs) = Pairs(spilled, listed);
                Assert.Equal(heldTotal, spilledTotal);
                Assert.Equal(heldPairs, spilledPairs);
            }

            Assert.Equal(Furthest(held), Furthest(spilled));
        }
    }

    [Fact]
    public void RunsPastTheFanIn_AreMergedIntoFewer_AndCountEveryRange()
    {
        using var spilled = new SpillBuffer<MappingRange>(2);
        for (uint i = 0; i < 1000; i++)
        {
            spilled.Add(new MappingRange(1000 - i, 1000 - i, 0, i));
        }

        SpillRuns<MappingRange> runs = spilled.Runs!;
        Assert.Equal(499, runs.RunCount); // the last two are still held
        Assert.Equal(1000, spilled.Count);
        ulong previous = 0;
        int seen = 0;
        foreach (MappingRange range in spilled.Ordered())
        {
            Assert.True(range.First > previous);
            previous = range.First;
            seen++;
        }

        Assert.Equal(1000, seen);
        Assert.True(runs.RunCount <= SpillRuns<MappingRange>.FanIn, $"{runs.RunCount} runs left to merge");
    }

    /// <summary>Short ranges in a small space, so that many overlap and many share a first page.</summary>
    private static MappingRange[] Ranges(Random random, int count, bool inOrder)
    {
        var ranges = new MappingRange[count];
        ulong space = (ulong)count * 2;
        for (int i = 0; i < count; i++)
        {
            ulong first = (ulong)random.NextInt64((long)space);
            ranges[i] = new MappingRange(first, first + (ulong)random.Next(0, 4), i / 10, (uint)(i % 10));
        }

        if (inOrder)
        {
            Array.Sort(ranges, (a, b) => a.First.CompareTo(b.First));
        }

        return ranges;
    }

    private static (long Total, List<(MappingRange, MappingRange)> Listed) Pairs(SpillBuffer<MappingRange> ranges, int listed)
    {
        var pairs = new List<(MappingRange, MappingRange)>();
        long total = OverlapSweep.Pairs(ranges, (range, other) =>
        {
            if (pairs.Count == listed)
            {
                return false;
            }

            pairs.Add((range, other));
            return true;
        });
        return (total, pairs);
    }

    private static List<(MappingRange, MappingRange)> Furthest(SpillBuffer<MappingRange> ranges)
    {
        var pairs = new List<(MappingRange, MappingRange)>();
        OverlapSweep.Run(ranges, (range, other) => pairs.Add((range, other)));
        return pairs;
    }
}
