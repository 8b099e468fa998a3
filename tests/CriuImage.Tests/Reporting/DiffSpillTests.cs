using CriuImage.Abi;
using CriuImage.Reporting;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// diff's merge of two images read back in key order (<see cref="DiffSide"/>) gives the same differences in the
/// same order whether the records were held in memory or spilled to disk as sorted runs (budgets of 1 record:
/// hundreds of runs, merged in groups first), and the pairing an independent count makes: the n-th BO of a handle
/// (mapping at an address) in one image against the n-th in the other, the rest added or removed.
/// </summary>
public class DiffSpillTests
{
    private static readonly ImageHeader Header = new(AbiRevision.CriuV8) { GpuPageSize = 4096 };

    [Theory]
    [InlineData(1, 1)] // a record a run: more runs than a merge takes at once
    [InlineData(2, 3)]
    [InlineData(64, 64)]
    public async Task SpilledRuns_GiveTheDifferencesOfTheHeldRecords_AndThePairingOfACount(int boBudget, int mappingBudget)
    {
        var random = new Random(boBudget * 131 + mappingBudget);
        for (int round = 0; round < 12; round++)
        {
            List<BoEntry> a = Bos(random, random.Next(0, 300));
            List<BoEntry> b = Mutate(random, a);
            byte[] imageA = await Images.WriteAsync(Header, a);
            byte[] imageB = await Images.WriteAsync(Header, b);

            List<string> held = await Differences(imageA, imageB, int.MaxValue, int.MaxValue);
            List<string> spilled = await Differences(imageA, imageB, boBudget, mappingBudget);

            Assert.Equal(held, spilled);
            Assert.Equal(await Counted(imageA, imageB), held.Select(d => d[..d.IndexOf(':', StringComparison.Ordinal)]));
        }
    }

    [Fact]
    public async Task AKeyOfManyRecords_IsPairedInFileOrder_WithoutHoldingThem()
    {
        // 5,000 mappings at one address in each image, the 4,000th different: one change, keyed by its place there.
        var vm = new VmRecord(0x100, 0x10f, 0, 0x6);
        VmRecord[] same = Enumerable.Repeat(vm, 5000).ToArray();
        VmRecord[] other = [.. same];
        other[3999] = new VmRecord(0x100, 0x10f, 0x1000, 0x6);
        var bo = new BoRecord(1, 0x100000, 0x1000000, 0, (ulong)GemDomains.Vram, 0, null, 5000);
        byte[] imageA = await Images.WriteAsync(Header, [new BoEntry(bo, same)]);
        byte[] imageB = await Images.WriteAsync(Header, [new BoEntry(bo, other)]);

        List<string> differences = await Differences(imageA, imageB, 16, 16);

        Assert.Equal(["changed mapping 0x100000 (#4000 there): offset 0x0 -> 0x1000"], differences);
    }

    /// <summary>Each difference as a line: kind, key and fields.</summary>
    private static async Task<List<string>> Differences(byte[] imageA, byte[] imageB, int boBudget, int mappingBudget)
    {
        await using ImageReader readerA = ImageReader.Create(new MemoryStream(imageA));
        await using ImageReader readerB = ImageReader.Create(new MemoryStream(imageB));
        using DiffSide a = await DiffSide.ReadAsync(readerA, default, boBudget, mappingBudget);
        using DiffSide b = await DiffSide.ReadAsync(readerB, default, boBudget, mappingBudget);
        ImageDifference difference = ImageDifference.Compare(a, b);
        return [.. difference.Bos.Concat(difference.Mappings).Select(d => $"{d.Kind} {d.Key}: {string.Join("; ", d.Changes.Select(c => $"{c.Field} {c.Old ?? "(none)"} -> {c.New ?? "(none)"}"))}")];
    }

    /// <summary>The kind and key of every difference, by grouping both images' whole record lists in memory and counting.</summary>
    private static async Task<List<string>> Counted(byte[] imageA, byte[] imageB)
    {
        List<BoEntry> a = (await Images.ReadAsync(imageA)).Bos;
        List<BoEntry> b = (await Images.ReadAsync(imageB)).Bos;
        List<string> bos = Paired(
            a.Select(e => (Key: (ulong)e.Bo.GemHandle, Value: (object)e.Bo)), b.Select(e => (Key: (ulong)e.Bo.GemHandle, Value: (object)e.Bo)),
            (key, nth) => nth == 0 ? $"bo {key}" : $"bo {key} (#{nth + 1} with it)");
        List<string> mappings = Paired(Mappings(a), Mappings(b), (key, nth) => nth == 0 ? $"mapping 0x{key:x}" : $"mapping 0x{key:x} (#{nth + 1} there)");
        return [.. bos, .. mappings];
    }

    private static IEnumerable<(ulong Key, object Value)> Mappings(List<BoEntry> bos) =>
        bos.SelectMany(e => e.Mappings.Select(vm => (Key: MappingExtent.Of(vm, Header)?.Address ?? vm.First, Value: (object)(e.Bo.GemHandle, vm))));

    private static List<string> Paired(IEnumerable<(ulong Key, object Value)> a, IEnumerable<(ulong Key, object Value)> b, Func<ulong, int, string> name)
    {
        ILookup<ulong, object> inA = a.ToLookup(r => r.Key, r => r.Value);
        ILookup<ulong, object> inB = b.ToLookup(r => r.Key, r => r.Value);
        var result = new List<string>();
        foreach (ulong key in inA.Select(g => g.Key).Union(inB.Select(g => g.Key)).Order())
        {
            object[] x = [.. inA[key]], y = [.. inB[key]];
            for (int nth = 0; nth < Math.Max(x.Length, y.Length); nth++)
            {
                string? kind = nth >= y.Length ? "removed" : nth >= x.Length ? "added" : Equals(x[nth], y[nth]) ? null : "changed";
                if (kind is not null)
                {
                    result.Add($"{kind} {name(key, nth)}");
                }
            }
        }

        return result;
    }

    /// <summary>BOs of few handles and mappings of few addresses (many repeated, some no valid range), in no order.</summary>
    private static List<BoEntry> Bos(Random random, int count)
    {
        var bos = new List<BoEntry>(count);
        for (int i = 0; i < count; i++)
        {
            var mappings = new VmRecord[random.Next(0, 6)];
            for (int m = 0; m < mappings.Length; m++)
            {
                mappings[m] = Mapping(random);
            }

            bos.Add(new BoEntry(new BoRecord((uint)random.Next(1, 40), 0x10000UL << random.Next(3), 0x1000000UL * (ulong)random.Next(1, 4), 0, (ulong)GemDomains.Vram, 0, null, (uint)mappings.Length), mappings));
        }

        return bos;
    }

    private static VmRecord Mapping(Random random)
    {
        ulong start = 0x100 + (ulong)random.Next(0, 60) * 0x10;
        ulong last = random.Next(20) == 0 ? start - 1 : start + (ulong)random.Next(0, 2) * 0x10 + 0xf; // one in 20 is no valid range
        return new VmRecord(start, last, (ulong)random.Next(0, 3) * 0x1000, random.Next(2) == 0 ? 0x6UL : 0x2UL);
    }

    /// <summary><paramref name="bos"/> with some BOs dropped, changed, added or repeated and some mappings changed.</summary>
    private static List<BoEntry> Mutate(Random random, List<BoEntry> bos)
    {
        var result = new List<BoEntry>();
        foreach (BoEntry entry in bos)
        {
            switch (random.Next(12))
            {
                case 0:
                    continue;
                case 1:
                    result.Add(entry with { Bo = entry.Bo with { Size = entry.Bo.Size * 2 } });
                    break;
                case 2:
                    result.Add(entry);
                    result.Add(entry);
                    break;
                case 3:
                    VmRecord[] mappings = [.. entry.Mappings, Mapping(random)];
                    result.Add(new BoEntry(entry.Bo with { MappingCount = (uint)mappings.Length }, mappings));
                    break;
                case 4 when entry.Mappings.Length > 0:
                    VmRecord[] changed = [.. entry.Mappings];
                    changed[random.Next(changed.Length)] = Mapping(random);
                    result.Add(entry with { Mappings = changed });
                    break;
                default:
                    result.Add(entry);
                    break;
            }
        }

        return result;
    }
}
