using System.IO.Compression;

namespace CriuImage.Bench;

/// <summary>
/// The peers of the input layer's decoders that have no command line of their own: <c>inflate FILE</c> runs
/// .NET's GZipStream alone (the zlib-ng inflater, no trailer search, no tar) to the end of a gzip file.
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
}
