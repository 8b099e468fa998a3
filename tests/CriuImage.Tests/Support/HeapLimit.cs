using System.Diagnostics;
using CriuImage.Tests.Support.Protobuf;

namespace CriuImage.Tests.Support;

/// <summary>The built tool run under a GC heap limit, as .NET limits itself in a container; and the render node such runs read.</summary>
internal static class HeapLimit
{
    /// <summary>Runs <c>criu-image ARGS</c> with its heap limited to <paramref name="bytes"/>; its exit status and standard error.</summary>
    public static Task<(int Code, string Error)> Run(long bytes, params string[] args) => Run(new Dictionary<string, string>(), bytes, args);

    /// <summary><see cref="Run(long, string[])"/> with <paramref name="environment"/> set too (TMPDIR).</summary>
    public static async Task<(int Code, string Error)> Run(IReadOnlyDictionary<string, string> environment, long bytes, params string[] args)
    {
        var start = new ProcessStartInfo(CliProcess.Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_GCHeapHardLimit"] = $"0x{bytes:x}";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await output;
        await process.WaitForExitAsync();
        return (process.ExitCode, error);
    }

    /// <summary>A render node of <paramref name="bos"/> one-mapping BOs, every one exported, as criubench writes them, in <paramref name="folder"/>.</summary>
    public static async Task<string> Node(string folder, int bos)
    {
        criu_render_node node = RenderNodeStoreTests.Node(bos, _ => 1);
        foreach (drm_bo_entry bo in node.BoEntries)
        {
            // An import and its alignment go together (RenderNodeStoreTests.Node sets both on every other BO).
            bo.IsImport = 0;
            bo.Alignment = 0;
        }

        Directory.CreateDirectory(folder);
        string file = Path.Combine(folder, "amdgpu-renderD-7.img");
        await File.WriteAllBytesAsync(file, CriuImages.File(node));
        return file;
    }
}
