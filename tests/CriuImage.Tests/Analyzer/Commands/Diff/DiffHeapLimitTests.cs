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
        (string pathA, string pathB) = await Pair(bos);
        string scratch = Directory.CreateDirectory(Path.Combine(Folder, "tmp")).FullName;

        (int code, string error) = await HeapLimit.Run(new Dictionary<string, string> { ["TMPDIR"] = scratch }, Limit, "diff", pathA, pathB);

        Assert.True(code == 1, $"diff of {bos * 1000} mappings under a {Limit >> 20} MiB heap limit exited {code}: {error}");
        Assert.Empty(Directory.EnumerateFileSystemEntries(scratch)); // runs are unlinked when made: nothing is left
        Assert.Equal(["a.img", "b.img", "tmp"], Directory.EnumerateFileSystemEntries(Folder).Select(Path.GetFileName).Order());
    }

    /// <summary>A temporary folder that cannot be used is said as the folder's, not as an input's ("a.img: no such file").</summary>
    [Fact]
    public async Task Diff_WithoutATemporaryFolder_SaysSoInOneLine()
    {
        (string pathA, string pathB) = await Pair(400);
        string missing = Path.Combine(Folder, "no-such-tmp");

        (int code, string error) = await HeapLimit.Run(new Dictionary<string, string> { ["TMPDIR"] = missing }, Limit, "diff", pathA, pathB);

        Assert.Equal(2, code);
        Assert.Equal($"criu-image: error: cannot make a scratch file in {missing}/ (TMPDIR): no such file or folder\n", error);
    }

    /// <summary>Two images of <paramref name="bos"/> BOs of 1,000 mappings, every BO and mapping different.</summary>
    private async Task<(string A, string B)> Pair(uint bos)
    {
        List<BoEntry> a = Images.Large(bos);
        string pathA = Path.Combine(Folder, "a.img");
        string pathB = Path.Combine(Folder, "b.img");
        await File.WriteAllBytesAsync(pathA, await Images.WriteAsync(Header, a));

        // Every handle moved by one and every mapping's offset by a page.
        await File.WriteAllBytesAsync(pathB, await Images.WriteAsync(Header, a.Select(e => new BoEntry(e.Bo with { GemHandle = e.Bo.GemHandle + 1 }, [.. e.Mappings.Select(m => new VmRecord(m.First, m.Second, m.Offset + 4096, m.Flags))]))));
        return (pathA, pathB);
    }

    private static ImageHeader Header => new(Abi.AbiRevision.CriuV8);
}
