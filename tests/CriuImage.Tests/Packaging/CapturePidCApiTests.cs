using System.Globalization;
using System.Text.RegularExpressions;
using CriuImage.Tests.Support;

namespace CriuImage.Tests.Capture;

/// <summary>
/// criu_image_capture_pid from C (examples/c/capture_process.c, ISO C with the header alone, linked through
/// pkg-config against the NativeAOT library) under the fake render node, whose target has a forked worker that
/// writes to the node and a child of its own, and shares the open file with a process outside its tree: the
/// call takes the descriptor with pidfd_getfd, stops the whole tree while it reads (as the CLI's capture does),
/// writes the model's image byte for byte, and returns 0 with a warning line naming the outsider.
/// </summary>
public sealed partial class CapturePidCApiTests : TempFolder
{
    [NativeFact]
    public async Task CApi_CapturePid_StopsTheTree_WritesTheModelsImage_AndWarnsOfTheOutsider()
    {
        string program = CExamples.Compile(Folder, "capture_process.c", "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror");
        var (code, output, error, freeze, image) = Run(program, "1", "1024");
        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        Assert.Matches($@"^capture 0 criu_image_capture_pid: pid \d+ fd (\d+): warning: the render-node file is also open in process {freeze["outsider"]} \(fake_render_nod\) fd \1, outside the process tree of \d+, which was not stopped: [^\n]*\npid 0: -22 criu_image_capture_pid: 0 is not a process id\nflags 0x80: -22 criu_image_capture_pid: flags 0x80 has bits that are not CRIU_IMAGE_CAPTURE_\* values\n$", output);
        Assert.True(freeze["processes"] == 3 && freeze["answered-frozen"] > 70 && freeze["answered-running"] == 0 && freeze["node-grew"] == 0, Describe(freeze));
        Assert.Equal(1, freeze["after running"]);

        ImageHeader header;
        await using (ImageReader reader = ImageReader.Open(image))
        {
            header = await reader.ReadHeaderAsync();
        }

        Assert.Equal((uint)freeze["target"], header.Capture?.Pid);
        byte[] expected = await FakeRenderNode.Create(70, late: 0).ExpectedImageAsync(header, appeared: 0, closed: false);
        byte[] captured = await File.ReadAllBytesAsync(image);
        Assert.True(expected.AsSpan().SequenceEqual(captured), "the image differs from the model's");
    }

    /// <summary>
    /// The same under AddressSanitizer, the line cut into a 40-byte heap buffer: no memory error, every line
    /// NUL-terminated inside it (ASan checks printf's reads), and nothing leaks per call. The runtime's start
    /// leaves a few allocations LeakSanitizer cannot see referenced (6 or 7 of 88 bytes, from memory it does not
    /// scan), the same for one capture as for eight; a leak in the call would add one or more per capture.
    /// (Valgrind, which the other C tests use, does not know pidfd_open in Debian 12's 3.19.)
    /// </summary>
    [NativeFact]
    public void CApi_CapturePid_UnderAddressSanitizer_NoMemoryError_NothingLeaksPerCall()
    {
        string program = CExamples.Compile(Folder, "capture_process.c", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsanitize=address", "-fno-omit-frame-pointer", "-g");
        var once = Run(program, "1", "40");
        var eight = Run(program, "8", "40");
        foreach (var (times, run) in new[] { (1, once), (8, eight) })
        {
            Assert.DoesNotMatch("ERROR: AddressSanitizer", run.Error);
            // Each line cut to the 39 bytes before the buffer's NUL.
            Assert.Equal(times, run.Output.Split('\n').Count(l => l.StartsWith("capture 0 criu_image_capture_pid: pid ", StringComparison.Ordinal) && l.Length == "capture 0 ".Length + 39));
            Assert.Contains("pid 0: -22 criu_image_capture_pid: 0 is not a proc\n", run.Output, StringComparison.Ordinal);
            // (The worker writes between captures, when the tree runs again: node-grew counts across all of them.)
            Assert.True(run.Freeze["answered-frozen"] >= 70 * times && run.Freeze["answered-running"] == 0, Describe(run.Freeze));
        }

        (int onceBytes, int onceAllocations) = Leaked(once.Error);
        (int eightBytes, int eightAllocations) = Leaked(eight.Error);
        Assert.True(eightAllocations - onceAllocations < 7 && eightBytes - onceBytes < 7 * 88, $"leaked: {onceBytes} B in {onceAllocations} after 1 capture, {eightBytes} B in {eightAllocations} after 8\n{eight.Error}");
    }

    private static string Describe(Dictionary<string, int> freeze) => string.Join(", ", freeze.Select(p => $"{p.Key} {p.Value}"));

    /// <summary>LeakSanitizer's summary: bytes and allocations leaked (0, 0 when it found none).</summary>
    private static (int Bytes, int Allocations) Leaked(string error)
    {
        Match summary = LeakSummary().Match(error);
        return summary.Success
            ? (int.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture))
            : (0, 0);
    }

    /// <summary>Runs <paramref name="program"/> under the fake (--fork --outside) with TIMES and ERRLEN; its exit, output, the fake's notes, the image's path.</summary>
    private (int Code, string Output, string Error, Dictionary<string, int> Freeze, string Image) Run(string program, string times, string errlen)
    {
        string fake = FakeRenderNode.Compile(Folder);
        string model = Path.Combine(Folder, "model");
        string image = Path.Combine(Folder, "captured.img");
        FakeRenderNode.Create(70, late: 0).Write(model);
        var (code, output, error) = NativeArtifacts.Run(fake, Folder, ["--fork", "--outside", model, "none", "--", program, "{pid}", "{fd}", image, times, errlen]);
        return (code, output, error, FakeRenderNode.Freeze(model), image);
    }

    [GeneratedRegex(@"SUMMARY: AddressSanitizer: (\d+) byte\(s\) leaked in (\d+) allocation\(s\)")]
    private static partial Regex LeakSummary();
}
