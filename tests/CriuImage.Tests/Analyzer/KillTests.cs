using System.Diagnostics;
using CriuImage.Abi;
using CriuImage.Tests.Support;
using Xunit.Abstractions;

namespace CriuImage.Tests;

/// <summary>
/// A writer killed at any moment leaves the old file untouched or a complete new one under the final
/// name, never a half image: <c>criu-image encode</c> is killed (SIGKILL) at seeded times spread over a
/// whole run, CRIU_IMAGE_KILLS times (default 200).
/// </summary>
[Collection(nameof(KillTests))]
public sealed class KillTests(ITestOutputHelper output) : TempFolder
{
    [Fact]
    public async Task KilledEncode_LeavesTheOldImageOrTheCompleteNewOne()
    {
        int kills = int.TryParse(Environment.GetEnvironmentVariable("CRIU_IMAGE_KILLS"), out int k) ? k : 200;
        List<BoEntry> bos = Images.Large(200);

        byte[] expected = await Images.WriteAsync(new ImageHeader(AbiRevision.CriuV8), bos);
        string json = Path.Combine(Folder, "big.json");
        await File.WriteAllTextAsync(json, await GoldenTests.Decode(expected));
        string target = Path.Combine(Folder, "target.img");
        byte[] old = Images.Fixture("criu-v8");

        await File.WriteAllBytesAsync(target, old);
        var clock = Stopwatch.StartNew();
        using (Process whole = Start(json, target))
        {
            await whole.WaitForExitAsync();
            Assert.Equal(0, whole.ExitCode);
        }

        double duration = clock.Elapsed.TotalMilliseconds;
        Assert.Equal(expected, await File.ReadAllBytesAsync(target));

        var random = new Random(20261122);
        int keptOld = 0, completeNew = 0, leftovers = 0;
        for (int i = 0; i < kills; i++)
        {
            await File.WriteAllBytesAsync(target, old);
            // Past the calibration run too: under load a run takes longer, and the kills must reach the rename.
            int delay = random.Next((int)(duration * 1.5) + 1);
            using (Process child = Start(json, target))
            {
                await Task.Delay(delay);
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
            }

            byte[] now = await File.ReadAllBytesAsync(target);
            if (now.AsSpan().SequenceEqual(old))
            {
                keptOld++;
            }
            else
            {
                Assert.True(now.AsSpan().SequenceEqual(expected), $"kill {i} after {delay} ms left {now.Length} bytes that are neither the old image nor the complete new one");
                completeNew++;
            }

            foreach (string temporary in Directory.EnumerateFiles(Folder, ".target.img.*.tmp"))
            {
                leftovers++;
                File.Delete(temporary);
            }
        }

        output.WriteLine($"{kills} kills over {duration:F0} ms runs: {keptOld} kept the old image, {completeNew} left the complete new one, {leftovers} left a temporary file beside it");
        Assert.True(keptOld > 0 && completeNew > 0, "the kill times should cover both sides of the rename");
    }

    private static Process Start(string json, string target)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "criu-image")) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { "encode", json, "-o", target })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }
}

/// <summary>The kill test times child processes: it runs alone, not beside the CPU-heavy tests.</summary>
[CollectionDefinition(nameof(KillTests), DisableParallelization = true)]
public sealed class KillTestsCollection;
