using System.Diagnostics;
using CriuImage.Tests.Support;
using CriuImage.Tests.Support.Protobuf;

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
    private const long HeapLimit = 32L << 20;

    [Theory]
    [InlineData("verify")]
    [InlineData("plan")]
    public async Task RunsUnderAHeapLimit_WithTheBosOnlyInTheReadersValues(string command)
    {
        string dump = Path.Combine(Folder, "dump");
        Directory.CreateDirectory(dump);
        criu_render_node node = RenderNodeStoreTests.Node(100_000, _ => 1);
        foreach (drm_bo_entry bo in node.BoEntries)
        {
            // Every BO exported (an import and its alignment go together), as criubench writes them.
            bo.IsImport = 0;
            bo.Alignment = 0;
        }

        string file = Path.Combine(dump, "amdgpu-renderD-7.img");
        await File.WriteAllBytesAsync(file, CriuImages.File(node));

        var start = new ProcessStartInfo(CliProcess.Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(file);
        start.Environment["DOTNET_GCHeapHardLimit"] = $"0x{HeapLimit:x}";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await output;
        await process.WaitForExitAsync();
        // 0 or 1 (findings): it ran; out of memory it stops with 2.
        Assert.True(process.ExitCode is 0 or 1, $"{command} under a {HeapLimit >> 20} MiB heap limit exited {process.ExitCode}: {error}");
    }
}
