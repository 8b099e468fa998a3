using System.Diagnostics;
using CriuImage.Abi;
using CriuImage.Format;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// What plan and verify keep of a criu-image read from its file is bounded (branch ourmem9), checked on the built tool
/// under a GC heap limit as .NET limits itself in a container. plan's survey kept 16 bytes and a dictionary entry per
/// BO and a refusal object per refused call, and the pair sweep a priority queue of every open range: measured on
/// the build before, plan of 270,000 BOs whose handles repeat ran out of memory under a 48 MiB heap and verify of
/// 10^6 identical mappings under 48 (it now runs under 24).
/// </summary>
public sealed partial class PlanSurveyHeapTests : TempFolder
{
    /// <summary>Past both budgets: the BOs' handles (2^18 held) and their first calls (2^18 held).</summary>
    private const int Bos = 270_000;

    [Fact]
    public async Task Plan_OfRepeatedHandles_RunsUnderAHeapLimit_WithVerifysCri105()
    {
        string image = await DuplicateHandles(Bos);
        string planned = Path.Combine(Folder, "plan.txt");
        (int code, string error) = await Run(48L << 20, planned, "plan", image);
        Assert.True(code == 1, $"plan under a 48 MiB heap limit exited {code}: {error}");

        // verify finds CRI105 with its own table (BoTable): the same findings, in the same order, with the same words.
        string verified = Path.Combine(Folder, "verify.txt");
        (code, error) = await Run(1L << 30, verified, "verify", "--max-findings", "0", image);
        Assert.True(code == 1, error);
        List<string> fromPlan = Cri105(planned);
        Assert.True(fromPlan.Count > Bos - 100_000, $"{fromPlan.Count} CRI105 in plan");
        Assert.Equal(Cri105(verified), fromPlan);
    }

    [Fact]
    public async Task Verify_OfAMillionIdenticalMappings_RunsUnderAHeapLimit()
    {
        string image = Path.Combine(Folder, "identical.img");
        await using (FileStream file = File.Create(image))
        await using (ImageWriter writer = ImageWriter.Create(file, new ImageHeader(AbiRevision.CriuV8), leaveOpen: true))
        {
            var vm = new CriuVmBucket { Start = 0x1000, Last = 0x100F, Offset = 0, Flags = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable) };
            writer.WriteBo(new CriuV8BoBucket { GemHandle = 1, Size = 16 * 4096, PreferredDomains = (uint)GemDomains.Vram }, 0x1_0000_0000, Enumerable.Repeat(vm, 1_000_000).ToArray());
            await writer.CompleteAsync();
        }

        string output = Path.Combine(Folder, "verify.txt");
        (int code, string error) = await Run(24L << 20, output, "verify", image);
        Assert.True(code == 1, $"verify under a 24 MiB heap limit exited {code}: {error}");
        Assert.Contains("499999500000", (await File.ReadAllTextAsync(output)).Replace(",", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    /// <summary>BOs of one page each whose handles are drawn from 1..100,000: most repeat an earlier one, each first at its own byte.</summary>
    private async Task<string> DuplicateHandles(int bos)
    {
        string path = Path.Combine(Folder, "duplicates.img");
        await using FileStream file = File.Create(path);
        await using ImageWriter writer = ImageWriter.Create(file, new ImageHeader(AbiRevision.CriuV8), leaveOpen: true);
        var vm = new CriuVmBucket[1];
        var random = new Random(105);
        for (int i = 0; i < bos; i++)
        {
            vm[0] = new CriuVmBucket { Start = 0x1000 + (ulong)i, Last = 0x1000 + (ulong)i, Offset = 0, Flags = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable) };
            writer.WriteBo(new CriuV8BoBucket { GemHandle = (uint)random.Next(1, 100_001), Size = 4096, PreferredDomains = (uint)GemDomains.Vram }, 0x1_0000_0000 + ((ulong)i << 12), vm);
        }

        await writer.CompleteAsync();
        return path;
    }

    /// <summary>What each CRI105 of a report says (handle, first at), in its order.</summary>
    private static List<string> Cri105(string report) =>
        [.. File.ReadLines(report).Where(line => line.Contains("CRI105", StringComparison.Ordinal)).Select(line => Said().Match(line).Value)];

    [System.Text.RegularExpressions.GeneratedRegex(@"GEM handle \d+ appears again \(first at byte \d+\)")]
    private static partial System.Text.RegularExpressions.Regex Said();

    /// <summary>Runs <c>criu-image ARGS</c> with its heap limited to <paramref name="heap"/>, its output to <paramref name="output"/>.</summary>
    private static async Task<(int Code, string Error)> Run(long heap, string output, params string[] args)
    {
        var start = new ProcessStartInfo(CliProcess.Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_GCHeapHardLimit"] = $"0x{heap:x}";
        using Process process = Process.Start(start)!;
        await using (FileStream file = File.Create(output))
        {
            Task<string> error = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.BaseStream.CopyToAsync(file);
            await process.WaitForExitAsync();
            return (process.ExitCode, await error);
        }
    }
}
