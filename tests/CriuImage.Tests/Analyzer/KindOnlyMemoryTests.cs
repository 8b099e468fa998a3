using CriuImage.Tests.Support;
using Xunit.Abstractions;

namespace CriuImage.Tests;

/// <summary>
/// <c>stats</c> and <c>diff</c> read criu-images alone: a CRIU render node given instead is read only to say what it
/// is (and whether import converts it), its BO values not held, so its size does not set the peak. Measured before,
/// without a heap limit: 75 and 151 MiB for nodes of 3*10^5 and 10^6 BOs (the values held, 112 bytes a BO); now 53 and 55 MiB.
/// </summary>
public sealed class KindOnlyMemoryTests(ITestOutputHelper output) : TempFolder
{
    [Theory]
    [InlineData("stats {0}")]
    [InlineData("stats - < {0}")]
    [InlineData("diff {0} {1}")]
    [InlineData("diff {1} - < {0}")]
    public async Task PeakMemory_DoesNotGrowWithTheRenderNodeNamed(string arguments)
    {
        string image = Path.Combine(Folder, "x.img");
        await File.WriteAllBytesAsync(image, Images.Fixture("criu-2025-06"));
        // Past 10^5 BOs the peak is the runtime's and the garbage of one pass; held, 5*10^5 more values took 56 MB.
        long small = await PeakOf(arguments, await HeapLimit.Node(Path.Combine(Folder, "small"), 100_000), image);
        long large = await PeakOf(arguments, await HeapLimit.Node(Path.Combine(Folder, "large"), 600_000), image);
        output.WriteLine($"{arguments}: {small >> 20} MiB for a node of 10^5 BOs, {large >> 20} MiB for 6*10^5");
        Assert.True(large - small < (20L << 20), $"peak grew by {(large - small) >> 20} MiB from 10^5 to 6*10^5 BOs ({small >> 20} -> {large >> 20} MiB)");
    }

    /// <summary>The peak of the command; each refuses the render node (exit 2).</summary>
    private static Task<long> PeakOf(string arguments, string node, string image) =>
        PeakMemory.Of(string.Format(System.Globalization.CultureInfo.InvariantCulture, arguments, CliProcess.Quote(node), CliProcess.Quote(image)), exit: 2);
}
