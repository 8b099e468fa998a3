using CriuImage.Diagnostics;
using System.Diagnostics;
using CriuImage.Criu;
using CriuImage.Reporting;
using CriuImage.Input;
using CriuImage.Verification;

namespace CriuImage.Bench;

/// <summary>
/// <c>criu-phases FILE [REPEATS]</c>: where the time and the allocations of <c>verify</c> of one CRIU message
/// file go, in process and at steady state: reading the bytes, the reader alone, collecting the input,
/// the verifier, the text report. Best CPU and wall time of REPEATS (default 5) after two untimed runs.
/// </summary>
internal static class CriuPhases
{
    public static int Run(string path, int repeats)
    {
        bool kfd = Path.GetFileName(path).StartsWith("amdgpu-kfd-", StringComparison.Ordinal);
        byte[] bytes = File.ReadAllBytes(path);
        InputSet inputs = DumpInputs.Collect([path], new InputOptions(), () => Stream.Null);
        VerifyRun run = Verifier.VerifyAsync(inputs, 1, CancellationToken.None).GetAwaiter().GetResult();
        Measure("read the file", repeats, () => File.ReadAllBytes(path).Length);
        Measure("reader alone", repeats, () => kfd ? CriuFileReader.Lax.ReadKfd(bytes).Message.BoEntries.Count : CriuFileReader.Lax.ReadRenderNode(bytes).Message.Bos.Count);
        Measure("collect the input (reads it)", repeats, () => DumpInputs.Collect([path], new InputOptions(), () => Stream.Null).Files.Count);
        Measure("verify the collected input", repeats, () => Verifier.VerifyAsync(inputs, 1, CancellationToken.None).GetAwaiter().GetResult().Reports.Count);
        CriuDump dump = InputPlan.Of(inputs).Dumps[0].Dump;
        if (dump.Files[0].RenderNode is { } node)
        {
            Measure("  of which: render-node rules", repeats, () =>
            {
                var bag = new DiagnosticBag(ImageVerifier.CapPerCode);
                RenderNodeRules.Check(node, path, bag, null);
                return bag.Listed.Count;
            });
        }

        Measure("  of which: rules across files", repeats, () =>
        {
            var bag = new DiagnosticBag(0);
            DumpCrossRules.Check(dump, complete: false, kfd => CriuImage.Restore.KfdMappedGpus.Of(kfd) is { } mapped ? mapped.Maps : null, _ => bag);
            return bag.Listed.Count;
        });
        Measure("text report", repeats, () => TextReport.Write(run.Reports, run.Skipped).Length);
        return 0;
    }

    private static void Measure(string what, int repeats, Func<int> action)
    {
        action();
        action();
        double best = double.MaxValue, bestCpu = double.MaxValue;
        long allocated = 0;
        int collections = 0;
        using var self = Process.GetCurrentProcess();
        for (int i = 0; i < repeats; i++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            int gcs = GC.CollectionCount(0);
            self.Refresh();
            TimeSpan cpu = self.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
            self.Refresh();
            bestCpu = Math.Min(bestCpu, (self.TotalProcessorTime - cpu).TotalMilliseconds);
            allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            collections = GC.CollectionCount(0) - gcs;
        }

        // CPU time (all threads, the GC's included) is the figure to trust on a shared machine; wall time beside it.
        Console.WriteLine($"{what,-32} {bestCpu,9:F1} ms CPU {best,9:F1} ms wall {allocated / 1048576.0,9:F1} MiB allocated {collections,4} GCs");
    }
}
