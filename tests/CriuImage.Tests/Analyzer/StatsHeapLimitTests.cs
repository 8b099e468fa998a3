using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// <c>stats</c> counts an image's records one at a time: a BO's mappings are never held together. Run on the built
/// tool under a GC heap limit of 32 MiB on one BO of 2*10^6 mappings: holding them (64 MB of records, as the BO
/// reader hands a BO with all its mappings) ran out of memory (measured: exit 2, OutOfMemoryException).
/// </summary>
public sealed class StatsHeapLimitTests : TempFolder
{
    private const long Limit = 32L << 20;

    [Fact]
    public async Task Stats_OfOneBoOfMillionsOfMappings_RunsUnderAHeapLimit()
    {
        const int mappings = 2_000_000;
        var bo = new BoRecord(1, 0x10000, 0x1000000, 0, (ulong)Abi.GemDomains.Vram, 0, null, mappings);
        string image = Path.Combine(Folder, "one-bo.img");
        await File.WriteAllBytesAsync(image, await Images.WriteAsync(new ImageHeader(Abi.AbiRevision.CriuV8), [new BoEntry(bo, Enumerable.Repeat(new VmRecord(0x100, 0x10f, 0, 0x6), mappings).ToArray())]));

        (int code, string error) = await HeapLimit.Run(Limit, "stats", image);

        Assert.True(code == 0, $"stats of one BO of {mappings} mappings under a {Limit >> 20} MiB heap limit exited {code}: {error}");
    }
}
