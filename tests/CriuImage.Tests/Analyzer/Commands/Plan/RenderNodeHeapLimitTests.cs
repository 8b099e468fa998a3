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
}
