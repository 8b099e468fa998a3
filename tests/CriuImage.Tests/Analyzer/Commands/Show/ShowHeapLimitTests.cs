using System.Diagnostics;
using CriuImage.Abi;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// <c>show</c> of a criu-image writes a BO's mappings frame by frame as it reads them: one BO of 10^6 mappings is shown
/// under a 16 MiB heap, text and JSON. The reader's BO entries it showed from held a BO's mappings whole (32 bytes a
/// mapping, and a list that doubles): measured on the build before, both formats ran out of memory here (exit 2).
/// </summary>
public sealed class ShowHeapLimitTests : TempFolder
{
    private const long Limit = 16L << 20;
    private const int Mappings = 1_000_000;

    [Theory]
    // Text: 5 lines of header, the BO's and one a mapping, a blank line and the sums. JSON: 14 lines a mapping.
    [InlineData("text", Mappings + 8, "1 BO, 64.0 KiB (65536 bytes); 1000000 mappings")]
    [InlineData("json", (Mappings * 14) + 30, "}")]
    public async Task OneBoOfAMillionMappings_IsShownUnderAHeapLimit(string format, int lines, string last)
    {
        string image = Path.Combine(Folder, "one-bo.img");
        await using (FileStream file = File.Create(image))
        await using (ImageWriter writer = ImageWriter.Create(file, new ImageHeader(AbiRevision.CriuV8), leaveOpen: true))
        {
            var vm = new CriuVmBucket { Start = 0x1000, Last = 0x100F, Offset = 0, Flags = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable) };
            writer.WriteBo(new CriuV8BoBucket { GemHandle = 1, Size = 16 * 4096, PreferredDomains = (uint)GemDomains.Vram }, 0x1_0000_0000, Enumerable.Repeat(vm, Mappings).ToArray());
            await writer.CompleteAsync();
        }

        (int code, string error, int count, string? tail) = await ShowCounted(image, format);
        Assert.True(code == 0 && error.Length == 0, $"show --format {format} under a {Limit >> 20} MiB heap limit exited {code}: {error}");
        Assert.Equal((lines, last), (count, tail));
    }

    /// <summary>Runs <c>show --format FORMAT IMAGE</c> under <see cref="Limit"/>; its output is counted as it comes (100 MB), not kept: its lines and the last one.</summary>
    private static async Task<(int Code, string Error, int Lines, string? Last)> ShowCounted(string image, string format)
    {
        var start = new ProcessStartInfo(CliProcess.Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "show", "--format", format, image })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_GCHeapHardLimit"] = $"0x{Limit:x}";
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        int lines = 0;
        string? last = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            lines++;
            last = line;
        }

        await process.WaitForExitAsync();
        return (process.ExitCode, await error, lines, last);
    }
}
