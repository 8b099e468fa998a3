using System.Diagnostics;
using System.IO.Compression;
using CriuImage.Input;

namespace CriuImage.Bench;

/// <summary>
/// The peers of the input layer's decoders that have no command line of their own. <c>inflate FILE</c> runs
/// .NET's GZipStream alone (the zlib-ng inflater, no trailer search, no tar) to the end of a gzip file.
/// <c>decoders GZFILE ZSTFILE</c> prints the CPU seconds (best of 3, in one warm process, so start-up and JIT
/// are left out) of GZipStream alone and of the input layer's gzip reader (which also checks every trailer),
/// and of the input layer's zstd decoder, each to the end of its file.
/// </summary>
internal static class InputBench
{
    public static int Inflate(string path)
    {
        using FileStream file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        gzip.CopyTo(Stream.Null, 1 << 16);
        return 0;
    }

    public static int Decoders(string gzip, string zstd)
    {
        var options = new InputOptions();
        Console.WriteLine($"gzip, GZipStream alone:             {Best(() => Drain(new GZipStream(File.OpenRead(gzip), CompressionMode.Decompress))):F3} s");
        Console.WriteLine($"gzip, input layer (every trailer):  {Best(() => Drain(Compressions.Decode(File.OpenRead(gzip), options))):F3} s");
        Console.WriteLine($"zstd, input layer (every checksum): {Best(() => Drain(Compressions.Decode(File.OpenRead(zstd), options))):F3} s");
        return 0;
    }

    private static void Drain(Stream stream)
    {
        using (stream)
        {
            stream.CopyTo(Stream.Null, 1 << 20);
        }
    }

    private static double Best(Action run)
    {
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            using var process = Process.GetCurrentProcess();
            TimeSpan before = process.TotalProcessorTime;
            run();
            process.Refresh();
            best = Math.Min(best, (process.TotalProcessorTime - before).TotalSeconds);
        }

        return best;
    }
}
