using CriuImage.Abi;
using CriuImage.Analyzer.Cli;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Reporting;
using CriuImage.Tests.Support;
using CriuImage.Verification;

namespace CriuImage.Tests;

/// <summary>
/// <c>verify --max-findings 0</c> writes each finding of an image as it is found instead of holding them: the
/// text must be, byte for byte, the report written at the end from the held findings, over images with many
/// findings, clean and damaged images, a file that is no image and a CRIU dump, in one run. JSON and SARIF,
/// whose totals come before the findings, verify twice and write the findings the second time: the same.
/// </summary>
public sealed class VerifyStreamingTests : TempFolder
{
    [Fact]
    public async Task StreamedReport_IsTheHeldReport_ByteForByte()
    {
        string[] paths = await Inputs();

        (int code, string streamed, _) = await Cli.Run(["verify", "--max-findings", "0", .. paths]);

        VerifyRun run = await HeldRun(paths);
        Assert.Equal(TextReport.Write(run.Reports, run.Skipped, CliRemedyWords.Instance), streamed);
        Assert.Equal(2, code);
        Assert.Contains("1770 errors", streamed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("sarif")]
    public async Task StreamedDocuments_AreTheHeldDocuments_ByteForByte(string format)
    {
        string[] paths = await Inputs();

        (int code, string streamed, _) = await Cli.Run(["verify", "--max-findings", "0", "--format", format, .. paths]);

        VerifyRun run = await HeldRun(paths);
        using var held = new MemoryStream();
        if (format == "json")
        {
            JsonReport.Write(run.Reports, run.Skipped, held);
        }
        else
        {
            SarifReport.Write(run.Reports, held, 2);
        }

        Assert.Equal(System.Text.Encoding.UTF8.GetString(held.ToArray()), streamed);
        Assert.Equal(2, code);
        Assert.Contains(format == "json" ? "\"errors\": 1770" : "\"exitCode\": 2", streamed, StringComparison.Ordinal);
    }

    private static async Task<VerifyRun> HeldRun(string[] paths)
    {
        // In the CLI's words, as the run it is compared with.
        InputSet inputs = DumpInputs.Collect(paths, new InputOptions { Words = CliRemedyWords.Instance }, () => Stream.Null);
        // The replay of CRIU's restore too, as the CLI runs it (its endings, and what follows its stop).
        var replay = new Restore.ReplayOptions { Words = CliRemedyWords.Instance };
        return await Verifier.VerifyAsync(inputs, 1, CancellationToken.None, new VerifyOptions
        {
            MaxFindingsPerCode = 0,
            Words = CliRemedyWords.Instance,
            DumpVerdict = (dump, complete) => Restore.ReplayRules.Verdict(dump, complete, replay, null, null),
        });
    }

    /// <summary>A folder of images (many findings, clean, cut, not an image) and a damaged CRIU dump.</summary>
    private async Task<string[]> Inputs()
    {
        string folder = Path.Combine(Folder, "inputs");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "a-identical.img"), await Identical(60));
        File.Copy(Path.Combine(RepoPaths.Fixtures, "linux-6.18.img"), Path.Combine(folder, "b-clean.img"));
        byte[] cut = Images.Fixture("criu-v8");
        await File.WriteAllBytesAsync(Path.Combine(folder, "c-cut.img"), cut[..(cut.Length / 2)]);
        await File.WriteAllTextAsync(Path.Combine(folder, "d-notes.img"), "not an image\n");
        string dump = CriuFixtures.CopyTo("damaged/counts-off", Path.Combine(Folder, "dump"));
        return [folder, dump];
    }

    /// <summary>An image of one BO whose <paramref name="mappings"/> mappings all cover the same pages: every pair overlaps.</summary>
    private static async Task<byte[]> Identical(int mappings)
    {
        var bo = new CriuV8BoBucket { GemHandle = 1, Size = 16 * 4096, AllocFlags = (ulong)GemCreateFlags.VramCleared, PreferredDomains = (uint)GemDomains.Vram };
        var vm = new CriuVmBucket { Start = 0x1000, Last = 0x100F, Offset = 0, Flags = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable) };
        using var stream = new MemoryStream();
        ImageWriter writer = ImageWriter.Create(stream, new ImageHeader(AbiRevision.CriuV8) { Device = new DeviceInfo { RenderMinor = 128, GcIpVersion = new IpVersion(11, 0, 0) } }, leaveOpen: true);
        writer.WriteBo(bo, 0x1_0000_0000, Enumerable.Repeat(vm, mappings).ToArray());
        await writer.CompleteAsync();
        await writer.DisposeAsync();
        return stream.ToArray();
    }
}
