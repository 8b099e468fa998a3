using System.Numerics;
using CriuImage.Abi;
using CriuImage.Verification;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>The sort-and-sweep overlap check and the bounds checks against naive O(n²) and BigInteger oracles.</summary>
public class VerifyOracleTests
{
    [Fact]
    public void OverlapSweep_FlagsExactlyTheRangesThatOverlapAnEarlierOne()
    {
        var random = new Random(7);
        for (int round = 0; round < 3000; round++)
        {
            int count = random.Next(1, 40);
            ulong space = (ulong)random.Next(2, 200);
            var ranges = new MappingRange[count];
            for (int i = 0; i < count; i++)
            {
                ulong first = round % 10 == 0 ? ulong.MaxValue - (ulong)random.Next(0, 50) : (ulong)random.NextInt64((long)space);
                ulong length = (ulong)random.Next(0, 6);
                ulong last = first > ulong.MaxValue - length ? ulong.MaxValue : first + length;
                ranges[i] = new MappingRange(first, last, i % 3, (uint)i);
                if (round % 7 == 0 && i > 0)
                {
                    // Some rounds in address order, to take the path that sweeps without sorting.
                    ranges[i] = ranges[i] with { First = Math.Max(ranges[i - 1].First, first), Last = Math.Max(Math.Max(ranges[i - 1].First, first), last) };
                }
            }

            // Earlier means a smaller first page, or the same one and an earlier arrival.
            var expected = new HashSet<(int, uint)>();
            for (int j = 0; j < count; j++)
            {
                for (int i = 0; i < count; i++)
                {
                    bool earlier = ranges[i].First < ranges[j].First || (ranges[i].First == ranges[j].First && i < j);
                    if (earlier && ranges[i].First <= ranges[j].Last && ranges[j].First <= ranges[i].Last)
                    {
                        expected.Add((ranges[j].Bo, ranges[j].Mapping));
                    }
                }
            }

            var buffer = new SpillBuffer<MappingRange>(MappingRange.HeldAtMost);
            foreach (MappingRange range in ranges)
            {
                buffer.Add(range);
            }

            var flagged = new HashSet<(int, uint)>();
            OverlapSweep.Run(buffer, (range, other) =>
            {
                Assert.True(range.First <= other.Last && other.First <= range.Last, "a reported pair must overlap");
                Assert.True(flagged.Add((range.Bo, range.Mapping)), "each range is reported once");
            });
            Assert.Equal(expected.Order(), flagged.Order());
        }
    }

    [Theory]
    [InlineData(AbiRevision.CriuV8)]
    [InlineData(AbiRevision.Linux6_18)]
    public async Task BoundsChecks_MatchABigIntegerOracle(AbiRevision abi)
    {
        var random = new Random((int)abi + 11);
        var seen = new HashSet<string>();
        for (int round = 0; round < 400; round++)
        {
            var bos = new List<BoEntry>();
            var expected = new HashSet<(string, uint, uint)>();
            for (uint handle = 1; handle <= 3; handle++)
            {
                ulong size = Pick(random, [0, 4096, 8192, 1UL << 20, ulong.MaxValue - 4095, ulong.MaxValue]);
                var mappings = new VmRecord[random.Next(0, 5)];
                for (uint m = 0; m < mappings.Length; m++)
                {
                    // Pages around the reserved bottom, the GMC hole (2^35 pages, 0xffff8000000), the reserved
                    // top of a 48-bit VM (2^36 - 0x402) and 64 bits.
                    ulong a = Pick(random, [0, 15, 16, 511, 512, 4096, (1UL << 35) - 1, 1UL << 35, (1UL << 36) - 0x403, (1UL << 36) - 0x402, (1UL << 36) - 2, 1UL << 36, 0xFFFF7FFFFFF, 0xFFFF8000000, 0xFFFFFFFFBFE, 0xFFFFFFFFFFF, 1UL << 47, 1UL << 52, ulong.MaxValue - 1, ulong.MaxValue]);
                    ulong b = Pick(random, [0, 1, 4096, 8192, 1UL << 36, ulong.MaxValue]);
                    ulong offset = Pick(random, [0, 4096, 8192, ulong.MaxValue - 4095, ulong.MaxValue]);
                    if (abi == AbiRevision.Linux6_18)
                    {
                        a *= 4096;
                        mappings[m] = new VmRecord(a, b, offset, 6);
                    }
                    else
                    {
                        mappings[m] = new VmRecord(a, random.Next(2) == 0 ? a + (b % 8) : b, offset, 6);
                    }

                    foreach (string code in Expected(abi, mappings[m], size))
                    {
                        expected.Add((code, handle, m));
                    }
                }

                bos.Add(new BoEntry(new BoRecord(handle, size, null, 0, 4, 0, abi == AbiRevision.Linux6_18 ? 1 : null, (uint)mappings.Length), mappings));
            }

            byte[] image = await Images.WriteAsync(new ImageHeader(abi), bos);
            HashSet<string> checkedCodes = ["CRI201", "CRI202", "CRI204", "CRI206", "CRI207", "CRI208", "CRI216", "CRI217"];
            var actual = ImageVerifier.Verify(image, "x").Diagnostics
                .Where(d => checkedCodes.Contains(d.Descriptor.Id))
                .Select(d => (d.Descriptor.Id, d.GemHandle!.Value, d.Mapping!.Value))
                .ToHashSet();
            Assert.Equal(expected.Order(), actual.Order());
            seen.UnionWith(expected.Select(e => e.Item1));
        }

        Assert.Superset(new HashSet<string> { "CRI204", "CRI206", "CRI208", "CRI216", "CRI217" }, seen);
    }

    /// <summary>
    /// The kernel's rules, computed in BigInteger from FORMAT.md's units and amdgpu_gem_va_ioctl's order,
    /// independently of VmRules: the bottom and the GMC hole on the address as passed, then the masked end
    /// against the 48-bit VM and its reserved top (4 MiB + 8 KiB).
    /// </summary>
    private static IEnumerable<string> Expected(AbiRevision abi, VmRecord vm, ulong boSize)
    {
        BigInteger two64 = BigInteger.One << 64, holeStart = BigInteger.One << 47, holeEnd = two64 - holeStart, vm48 = BigInteger.One << 48;
        BigInteger first, end;
        if (abi == AbiRevision.Linux6_18)
        {
            if (vm.Size == 0)
            {
                yield return "CRI202";
                yield break;
            }

            first = vm.Addr;
            end = first + vm.Size;
        }
        else
        {
            if (vm.Start > vm.Last)
            {
                yield return "CRI201";
                yield break;
            }

            first = (BigInteger)vm.Start * 4096;
            end = ((BigInteger)vm.Last + 1) * 4096;
        }

        if (first < 64 * 1024)
        {
            yield return "CRI206";
        }
        else if (first < 2 * 1024 * 1024)
        {
            yield return "CRI207";
        }

        if (end > two64)
        {
            yield return "CRI208";
        }
        else
        {
            bool inHole = first >= holeStart && first < holeEnd;
            if (inHole)
            {
                yield return "CRI217";
            }

            if (!inHole || first < vm48)
            {
                BigInteger stop = first % vm48 + (end - first);
                if (stop > vm48)
                {
                    yield return "CRI208";
                }
                else if (stop > vm48 - ((4 << 20) + (2 << 12)))
                {
                    yield return "CRI216";
                }
            }
        }

        if (vm.Offset + (end - first) > boSize)
        {
            yield return "CRI204";
        }
    }

    private static ulong Pick(Random random, ulong[] values) => random.Next(3) == 0 ? (ulong)random.NextInt64() : values[random.Next(values.Length)];
}
