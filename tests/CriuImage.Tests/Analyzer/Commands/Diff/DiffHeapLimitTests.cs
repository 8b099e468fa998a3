using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// <c>diff</c> holds neither image: each is read into sorted runs, held up to a budget and spilled past it
/// (<see cref="CriuImage.Reporting.DiffSide"/>), and the differences are merged as they are written. Run on the built
/// tool under a GC heap limit of 48 MiB (as .NET limits itself in a container): two images just under the budget
/// (everything held) and well past it (spilled), every BO and mapping of them different. The old diff, which held
/// both images and every difference, ran out of memory on both (measured: exit 2, OutOfMemoryException).
/// </summary>
public sealed class DiffHeapLimitTests : TempFolder
{
    private const long Limit = 48L << 20;

    [Theory]
    [InlineData(120)] // 120,000 mappings an image: under the budget of 2^17
    [InlineData(400)] // 400,000: four runs an image
    public async Task Diff_RunsUnderAHeapLimit_WhateverTheImagesHold(uint bos)
    {
        List<BoEntry> a = Images.Large(bos);
        string pathA = Path.Combine(Folder, "a.img");
        string pathB = Path.Combine(Folder, "b.img");
        await File.WriteAllBytesAsync(pathA, await Images.WriteAsync(Header, a));

        // Every handle moved by one and every mapping's offset by a page: each BO and mapping differs.
        await File.WriteAllBytesAsync(pathB, await Images.WriteAsync(Header, a.Select(e => new BoEntry(e.Bo with { GemHandle = e.Bo.GemHandle + 1 }, [.. e.Mappings.Select(m => new VmRecord(m.First, m.Second, m.Offset + 4096, m.Flags))]))));

        (int code, string error) = await HeapLimit.Run(Limit, "diff", pathA, pathB);

        Assert.True(code == 1, $"diff of {bos * 1000} mappings under a {Limit >> 20} MiB heap limit exited {code}: {error}");
    }

    private static ImageHeader Header => new(Abi.AbiRevision.CriuV8);
}
