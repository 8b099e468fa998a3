using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// <c>verify</c> and <c>plan</c> of a CRIU render node keep next to nothing per BO beyond the reader's values: the
/// replay's stored-fd table and restored-BO set, verify's BO table and duplicate-handle dictionary and plan's survey
/// read the BO values back. Run on the built tool under a GC heap limit of 32 MiB (as .NET limits itself in a
/// container) on a node of 10^5 BOs: measured, they need 24 and 28 MiB now; they needed 40 and 48 MiB with those
/// tables, and ran out of memory at 32.
/// </summary>
public sealed class RenderNodeHeapLimitTests : TempFolder
{
    private const long Limit = 32L << 20;

    [Theory]
    [InlineData("verify")]
    [InlineData("plan")]
    public async Task RunsUnderAHeapLimit_WithTheBosOnlyInTheReadersValues(string command)
    {
        string file = await HeapLimit.Node(Path.Combine(Folder, "dump"), 100_000);
        (int code, string error) = await HeapLimit.Run(Limit, command, file);
        // 0 or 1 (findings): it ran; out of memory it stops with 2.
        Assert.True(code is 0 or 1, $"{command} under a {Limit >> 20} MiB heap limit exited {code}: {error}");
    }

    /// <summary>
    /// Every command that reads a render node, on one of 3*10^5 BOs under the same 32 MiB: past a quarter of the heap
    /// (<see cref="CriuImage.IO.HeldBudget.Total"/>) its values are read again from the file on each
    /// pass, not held. Holding them (33 MB), every one of these ran out of memory (exit 2, OutOfMemoryException).
    /// </summary>
    [Theory]
    [InlineData("verify")]
    [InlineData("plan")]
    [InlineData("show")]
    [InlineData("decode")]
    [InlineData("info")]
    [InlineData("restorable")]
    [InlineData("import", "-o", "-")]
    public async Task EveryCommand_RunsUnderAHeapLimit_PastTheValuesItHolds(string command, params string[] more)
    {
        string file = await HeapLimit.Node(Path.Combine(Folder, "dump"), 300_000);
        (int code, string error) = await HeapLimit.Run(Limit, [command, file, .. more]);
        Assert.True(code is 0 or 1, $"{command} of 3*10^5 BOs under a {Limit >> 20} MiB heap limit exited {code}: {error}");
    }
}
