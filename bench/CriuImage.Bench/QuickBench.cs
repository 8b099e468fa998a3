using System.Diagnostics;
using System.Runtime.InteropServices;
using CriuImage.Abi;
using CriuImage.Verification;
using CriuImage.Tests.Support;
using CriuImage.Tests.Support.Protobuf;
using CriuImage.Format;
using Google.Protobuf;

namespace CriuImage.Bench;

/// <summary>
/// One table in one run: each figure of ours beside its peer, measured in the same process, best of several
/// repetitions (these machines are noisy; the ratio is the figure to quote).
/// </summary>
internal static class QuickBench
{
    public static void Run(int mappings, int repeats)
    {
        var workload = new Workload(mappings);
        criu_render_node message = workload.ToProtobuf();
        byte[] protobuf = message.ToByteArray();
        byte[] image = workload.ToImage();
        CriuVmBucket[] flat = workload.Mappings.SelectMany(m => m).ToArray();
        byte[] copyTarget = new byte[flat.Length * Marshal.SizeOf<CriuVmBucket>()];
        string folder = Directory.CreateTempSubdirectory("criu-image-bench-").FullName;
        try
        {
            Console.WriteLine($"# criu-image quick benchmark: {mappings:N0} VM buckets in {workload.Bos.Length:N0} BOs, best of {repeats}");
            Console.WriteLine($"# image {image.Length:N0} bytes ({(double)image.Length / mappings:F1} B/mapping); CRIU protobuf {protobuf.Length:N0} bytes; {Environment.ProcessorCount} cores, .NET {Environment.Version}");
            Console.WriteLine();
            Console.WriteLine("| measurement | time | VM buckets/s | ratio |");
            Console.WriteLine("|---|---:|---:|---|");

            var sink = new NullPipeWriter();
            double ours = Time(repeats, () =>
            {
                var writer = new ImageWriter(sink, Workload.Header);
                workload.WriteTo(writer);
                writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
            });
            double protoBuild = Time(repeats, () => workload.ToProtobuf().WriteTo(Stream.Null));
            double protoWrite = Time(repeats, () => message.WriteTo(Stream.Null));
            double copy = Time(repeats, () => MemoryMarshal.AsBytes(flat.AsSpan()).CopyTo(copyTarget));
            string path = Path.Combine(folder, "bench.img");
            double file = Time(repeats, () =>
            {
                ImageFileWriter output = ImageFileWriter.Create(path, Workload.Header);
                workload.WriteTo(output.Writer);
                output.CommitAsync().AsTask().GetAwaiter().GetResult();
                output.DisposeAsync().AsTask().GetAwaiter().GetResult();
            });

            Row("write: ImageWriter to a null PipeWriter", ours, mappings, "1.00 (reference)");
            Row("write: Google.Protobuf, build messages + serialize (CRIU's way)", protoBuild, mappings, $"ours is {protoBuild / ours:F1}x faster");
            Row("write: Google.Protobuf, serialize prebuilt messages only", protoWrite, mappings, $"ours is {protoWrite / ours:F1}x faster");
            Row("write: raw copy of the 32-byte uapi structs (ceiling)", copy, mappings, $"ours takes {ours / copy:F1}x the copy");
            Row("write: ImageFileWriter to a file (fsync + rename)", file, mappings, $"{file / ours:F1}x the null sink");

            long allocated = Allocated(() =>
            {
                var writer = new ImageWriter(sink, Workload.Header);
                workload.WriteTo(writer);
            });

            double read = Time(repeats, () => ReadAll(image));
            double verify = Time(repeats, () => ImageVerifier.Verify(image, "bench.img"));
            byte[] shuffled = new Workload(mappings, shuffled: true).ToImage();
            double verifyShuffled = Time(repeats, () => ImageVerifier.Verify(shuffled, "bench.img"));
            double protoParse = Time(repeats, () => Walk(criu_render_node.Parser.ParseFrom(protobuf)));
            Row("read: ImageReader, every record", read, mappings, $"ours is {protoParse / read:F1}x faster than protobuf parse");
            Row("read + verify: scanner and every rule, one core", verify, mappings, $"ours is {protoParse / verify:F1}x faster than protobuf parse alone");
            Row("read + verify, mappings in random address order (full sort)", verifyShuffled, mappings, $"ours is {protoParse / verifyShuffled:F1}x faster than protobuf parse alone");
            Row("read: Google.Protobuf parse + walk", protoParse, mappings, "peer");

            long verifyBytes = Allocated(() => ImageVerifier.Verify(image, "bench.img"));
            long verifyShuffledBytes = Allocated(() => ImageVerifier.Verify(shuffled, "bench.img"));
            Console.WriteLine();
            Console.WriteLine($"writer allocations: {allocated:N0} bytes for the whole image of {mappings:N0} VM buckets (the writer object and its header; none per record)");
            Console.WriteLine($"verify allocations: {(double)verifyBytes / mappings:F1} bytes per mapping in address order, {(double)verifyShuffledBytes / mappings:F1} in random order (managed bytes allocated, an upper bound of its heap growth)");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Row(string name, double seconds, int mappings, string ratio) =>
        Console.WriteLine($"| {name} | {seconds * 1000:F2} ms | {mappings / seconds / 1e6:F1} M | {ratio} |");

    /// <summary>
    /// The best of <paramref name="repeats"/> timed runs, at steady state: first 30 untimed runs (at most 5 s),
    /// so the hot loops of methods called once per image are compiled at tier 1 rather than measured in
    /// their on-stack-replaced tier-0 form, as a restorer that links the library sees after a few dozen
    /// images. (The one-shot figure of a whole `criu-image` process is `scripts/bench.sh scaling`.)
    /// </summary>
    private static double Time(int repeats, Action run)
    {
        long warmUpStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < 30 && Stopwatch.GetElapsedTime(warmUpStart).TotalSeconds < 5; i++)
        {
            run();
        }

        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return best;
    }

    private static long Allocated(Action run)
    {
        run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        run();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static ulong ReadAll(byte[] image)
    {
        ImageReader reader = ImageReader.Create(new MemoryStream(image));
        reader.ReadHeaderAsync().AsTask().GetAwaiter().GetResult();
        ulong sum = 0;
        while (reader.ReadFrameAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryReadRecord(out RecordTag tag))
            {
                sum += tag == RecordTag.Vm ? reader.CurrentVm.Last : reader.CurrentBo.Size;
            }
        }

        reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return sum;
    }

    private static ulong Walk(criu_render_node node)
    {
        ulong sum = 0;
        foreach (drm_bo_entry bo in node.BoEntries)
        {
            sum += bo.Size;
            foreach (drm_vm_entry vm in bo.VmEntries)
            {
                sum += vm.Size;
            }
        }

        return sum;
    }
}
