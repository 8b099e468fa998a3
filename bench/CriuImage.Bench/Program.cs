using BenchmarkDotNet.Running;

namespace CriuImage.Bench;

/// <summary>
/// <c>quick [MAPPINGS]</c>: one table, ours beside each peer (default 1,000,000 mappings).
/// <c>scaling [MAX] --cli PATH</c>: whole-process verify from 10^3 to MAX mappings (default 10^7).
/// <c>generate MAPPINGS FILE</c>: a clean image. <c>inflate FILE</c>, <c>decoders GZFILE ZSTFILE</c>: the
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
                File.WriteAllBytes(args[2], new Workload(int.Parse(args[1])).ToImage());
                return 0;
            case "inflate":
                return InputBench.Inflate(args[1]);
            case "decoders":
                return InputBench.Decoders(args[1], args[2]);
            case "bdn":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
                return 0;
            default:
                Console.Error.WriteLine("usage: CriuImage.Bench quick [MAPPINGS] | scaling [MAX] --cli PATH | generate MAPPINGS FILE | inflate FILE | decoders GZFILE ZSTFILE | bdn [BenchmarkDotNet args]");
                return 2;
        }
    }
}
