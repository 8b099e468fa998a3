using CriuImage.Tests.Support;
using Xunit.Abstractions;

namespace CriuImage.Tests;

/// <summary>
/// An input that is neither a criu-image nor an archive, read from standard input or named on its own, is not held in
/// memory: past 1 MiB it stays in its spool (or its file) and is read by position, so its size does not set the peak.
/// Every command read 128 MiB of zeros into memory before (verify - peaked at 306 MiB for 256 MiB of zeros).
/// </summary>
public sealed class UnheldInputMemoryTests(ITestOutputHelper output) : TempFolder
{
    [Theory]
    [InlineData("verify", true)]
    [InlineData("plan", true)]
    [InlineData("show", true)]
    [InlineData("decode", true)]
    [InlineData("info", true)]
    [InlineData("stats", true)]
    [InlineData("verify", false)]
    [InlineData("show", false)]
    [InlineData("stats", false)]
    public async Task PeakMemory_DoesNotGrowWithAnInputOfNoKind(string command, bool standardInput)
    {
        long small = await PeakOf(command, Zeros(2 << 20), standardInput);
        long large = await PeakOf(command, Zeros(128 << 20), standardInput);
        output.WriteLine($"{command}{(standardInput ? " -" : "")}: {small >> 20} MiB for 2 MiB of zeros, {large >> 20} MiB for 128 MiB");
        Assert.True(large - small < (32L << 20), $"peak grew by {(large - small) >> 20} MiB from 2 to 128 MiB of zeros ({small >> 20} -> {large >> 20} MiB)");
    }

    private string Zeros(int bytes)
    {
        string path = Path.Combine(Folder, $"zeros-{bytes}");
        if (!File.Exists(path))
        {
            using FileStream file = File.Create(path);
            file.SetLength(bytes);
        }

        return path;
    }

    /// <summary>The peak of the command on the file; every command refuses zeros (exit 2).</summary>
    private static Task<long> PeakOf(string command, string file, bool standardInput) =>
        PeakMemory.Of($"{command} {(standardInput ? $"- < {CliProcess.Quote(file)}" : CliProcess.Quote(file))}", exit: 2);
}
