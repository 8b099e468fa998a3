using CriuImage.Abi;
using CriuImage.Format;
using CriuImage.Tests.Support;
using Xunit.Abstractions;

namespace CriuImage.Tests;

/// <summary>
/// <c>plan</c> holds no call: its peak memory grows with the mappings by what the overlap check keeps (a page
/// range each, as verify's, up to a budget), not by an object per call; nor by a refusal per overlapping pair. Measured on the built tool as a child process, from a
/// file and from standard input (which is spooled to a temporary file, not memory).
/// </summary>
public sealed class PlanMemoryTests(ITestOutputHelper output) : TempFolder
{
    /// <summary>Mappings of the small and the large image; the large one is 17 MB.</summary>
    private const int Small = 100_000;
    private const int Large = 1_000_000;

    /// <summary>
    /// The growth allowed from the small to the large image: 24 bytes of page range per mapping (22 MB) and the
    /// collector's larger budget on a longer run (about 75 MiB in text and JSON, measured: 65 -> 140 MiB; the text
    /// writer's end of a string per line took the small run from 128 to 65 MiB, the large one stayed at 142-146).
    /// Holding the calls grew it by 340 MiB (145 MiB at 10^5 mappings, 484 at 10^6).
    /// </summary>
    private const long AllowedGrowth = 96L << 20;

    [Theory]
    [InlineData("text", false)]
    [InlineData("json", false)]
    [InlineData("text", true)]
    public async Task PeakMemory_GrowsByThePageRanges_NotByTheCalls(string format, bool standardInput)
    {
        long small = await PeakOf("plan", await Image(Small), format, standardInput);
        long large = await PeakOf("plan", await Image(Large), format, standardInput);
        output.WriteLine($"plan --format {format}{(standardInput ? " -" : "")}: {small >> 20} MiB at {Small} mappings, {large >> 20} MiB at {Large}");
        Assert.True(large - small < AllowedGrowth, $"peak grew by {(large - small) >> 20} MiB from {Small} to {Large} mappings ({small >> 20} -> {large >> 20} MiB)");
    }

    /// <summary>
    /// <c>plan</c> of an image whose mappings all overlap: a refusal per overlapping pair grew it quadratically
    /// (1.8 GB at 3,000 mappings); now at most 10 listed and a count per call. From 16,000 to 64,000 mappings the
    /// pairs grow 16-fold; the peak by a few MiB (8 measured: 131 -> 139 MiB), not by the pairs. Below 16,000 the
    /// collector's budget is still settling (63 MiB at 4,000 since diff's sort stopped copying held records), so the
    /// smaller image is not the baseline.
    /// </summary>
    [Fact]
    public async Task PeakMemory_OfOverlappingMappings_DoesNotGrowWithThePairs()
    {
        long small = await PeakOf("plan", await IdenticalImage(16000), "text", standardInput: false, exit: 1);
        long large = await PeakOf("plan", await IdenticalImage(64000), "text", standardInput: false, exit: 1);
        output.WriteLine($"plan: {small >> 20} MiB at 16,000 identical mappings, {large >> 20} MiB at 64,000");
        Assert.True(large - small < (64L << 20), $"peak grew by {(large - small) >> 20} MiB from 127,992,000 to 2,047,968,000 overlapping pairs ({small >> 20} -> {large >> 20} MiB)");
    }

    /// <summary>
    /// <c>verify</c> keeps at most 2^19 page ranges in memory for the overlap check and spills sorted runs past
    /// that: 24 bytes per mapping grew it by 69 MiB from 10^6 to 4*10^6 mappings.
    /// </summary>
    [Fact]
    public async Task Verify_PeakMemory_DoesNotGrowWithTheMappings()
    {
        long small = await PeakOf("verify", await Image(Large), "text", standardInput: false);
        long large = await PeakOf("verify", await Image(4 * Large), "text", standardInput: false);
        output.WriteLine($"verify: {small >> 20} MiB at {Large} mappings, {large >> 20} MiB at {4 * Large}");
        Assert.True(large - small < (32L << 20), $"peak grew by {(large - small) >> 20} MiB from {Large} to {4 * Large} mappings ({small >> 20} -> {large >> 20} MiB)");
    }

    private async Task<string> IdenticalImage(int mappings)
    {
        string path = Path.Combine(Folder, $"identical-{mappings}.img");
        await using FileStream file = File.Create(path);
        await using (ImageWriter writer = ImageWriter.Create(file, new ImageHeader(AbiRevision.CriuV8), leaveOpen: true))
        {
            var vm = new CriuVmBucket { Start = 0x1000, Last = 0x100F, Offset = 0, Flags = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable) };
            writer.WriteBo(new CriuV8BoBucket { GemHandle = 1, Size = 16 * 4096, PreferredDomains = (uint)GemDomains.Vram }, 0x1_0000_0000, Enumerable.Repeat(vm, mappings).ToArray());
            await writer.CompleteAsync();
        }

        return path;
    }

    private async Task<string> Image(int mappings)
    {
        // BOs of 1,000 disjoint mappings of 16 pages each, as the benchmarks write them.
        string path = Path.Combine(Folder, $"{mappings}.img");
        await using FileStream file = File.Create(path);
        await using (ImageWriter writer = ImageWriter.Create(file, new ImageHeader(AbiRevision.CriuV8), leaveOpen: true))
        {
            ulong page = 0x1000;
            for (int bo = 0; bo < mappings / 1000; bo++)
            {
                var vms = new CriuVmBucket[1000];
                for (int m = 0; m < vms.Length; m++, page += 16)
                {
                    vms[m] = new CriuVmBucket { Start = page, Last = page + 15, Offset = (ulong)m * 16 * 4096, Flags = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable) };
                }

                writer.WriteBo(new CriuV8BoBucket { GemHandle = (uint)bo + 1, Size = 1000 * 16 * 4096, PreferredDomains = (uint)GemDomains.Vram }, 0x1_0000_0000 + ((ulong)bo << 32), vms);
            }

            await writer.CompleteAsync();
        }

        return path;
    }

    private static Task<long> PeakOf(string command, string image, string format, bool standardInput, int exit = 0) =>
        PeakMemory.Of($"{command} --format {format} {(standardInput ? $"- < {CliProcess.Quote(image)}" : CliProcess.Quote(image))}", exit);
}
