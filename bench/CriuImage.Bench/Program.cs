using BenchmarkDotNet.Running;

namespace CriuImage.Bench;

/// <summary>
/// <c>quick [MAPPINGS]</c>: one table, ours beside each peer (default 1,000,000 mappings).
/// <c>scaling [MAX] --cli PATH</c>: whole-process verify from 10^3 to MAX mappings (default 10^7).
/// <c>generate MAPPINGS FILE [--shuffled]</c>: a clean image (its mappings in random address order). <c>identical MAPPINGS FILE</c>: one BO whose mappings all cover the same pages (every pair overlaps).
/// <c>duplicates BOS FILE [EVERY]</c>: BOs of one mapping each whose handles repeat every EVERY (default 1,000: every BO past the first 1,000 a CRI105; BOS or more: every handle different).
/// <c>criu-phases FILE</c>: where verify of a CRIU file spends (<see cref="CriuPhases"/>). <c>inflate FILE</c>, <c>decoders GZFILE ZSTFILE</c>: the
/// input layer's decoders beside their peers (InputBench).
/// <c>bdn ...</c>: the BenchmarkDotNet suite.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "quick";
        switch (mode)
        {
            case "quick":
                QuickBench.Run(args.Length > 1 ? int.Parse(args[1]) : 1_000_000, repeats: 7);
                return 0;
            case "scaling":
                int max = args.Length > 1 && !args[1].StartsWith('-') ? int.Parse(args[1]) : 10_000_000;
                int cli = Array.IndexOf(args, "--cli");
                if (cli < 0 || cli + 1 >= args.Length)
                {
                    Console.Error.WriteLine("scaling needs --cli PATH to the criu-image to measure (scripts/bench.sh scaling passes the published one)");
                    return 2;
                }

                return ScalingBench.Run(args[cli + 1], max, repeats: 3);
            case "generate":
                // --shuffled: the mappings in random address order, so that verify's overlap check sorts them.
                File.WriteAllBytes(args[2], new Workload(int.Parse(args[1]), shuffled: args.Contains("--shuffled")).ToImage());
                return 0;
            case "identical":
                WriteIdentical(int.Parse(args[1]), args[2]);
                return 0;
            case "duplicates":
                WriteDuplicates(int.Parse(args[1]), args[2], args.Length > 3 ? int.Parse(args[3]) : 1000);
                return 0;
            case "criu-phases":
                return CriuPhases.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : 5);
            case "inflate":
                return InputBench.Inflate(args[1]);
            case "decoders":
                return InputBench.Decoders(args[1], args[2]);
            case "bdn":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
                return 0;
            default:
                Console.Error.WriteLine("usage: CriuImage.Bench quick [MAPPINGS] | scaling [MAX] --cli PATH | generate MAPPINGS FILE [--shuffled] | inflate FILE | decoders GZFILE ZSTFILE | bdn [BenchmarkDotNet args]");
                return 2;
        }
    }

    private static void WriteIdentical(int mappings, string path)
    {
        var bo = new Abi.CriuV8BoBucket { GemHandle = 1, Size = 16 * 4096, AllocFlags = (ulong)Abi.GemCreateFlags.VramCleared, PreferredDomains = (uint)Abi.GemDomains.Vram };
        var vm = new Abi.CriuVmBucket { Start = 0x1000, Last = 0x100F, Offset = 0, Flags = (ulong)(Abi.VmFlags.PageReadable | Abi.VmFlags.PageWriteable) };
        using FileStream file = File.Create(path);
        ImageWriter writer = ImageWriter.Create(file, Workload.Header, leaveOpen: true);
        writer.WriteBo(bo, 0x1_0000_0000, Enumerable.Repeat(vm, mappings).ToArray());
        writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static void WriteDuplicates(int bos, string path, int every)
    {
        using FileStream file = File.Create(path);
        ImageWriter writer = ImageWriter.Create(file, Workload.Header, leaveOpen: true);
        var vm = new Abi.CriuVmBucket[1];
        for (int i = 0; i < bos; i++)
        {
            var bo = new Abi.CriuV8BoBucket { GemHandle = 1 + (uint)(i % every), Size = 4096, AllocFlags = (ulong)Abi.GemCreateFlags.VramCleared, PreferredDomains = (uint)Abi.GemDomains.Vram };
            vm[0] = new Abi.CriuVmBucket { Start = 0x1000 + (ulong)i, Last = 0x1000 + (ulong)i, Offset = 0, Flags = (ulong)(Abi.VmFlags.PageReadable | Abi.VmFlags.PageWriteable) };
            writer.WriteBo(bo, 0x1_0000_0000 + ((ulong)i << 12), vm);
        }

        writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
