using System.IO.Pipelines;

namespace CriuImage.Tests.Support;

/// <summary>Writes and reads whole images in memory.</summary>
internal static class Images
{
    public static async Task<byte[]> WriteAsync(ImageHeader header, IEnumerable<BoEntry> bos)
    {
        using var stream = new MemoryStream();
        await using (ImageWriter writer = ImageWriter.Create(stream, header, leaveOpen: true))
        {
            foreach (BoEntry entry in bos)
            {
                writer.WriteBo(entry.Bo, entry.Mappings);
            }

            await writer.CompleteAsync();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// <paramref name="count"/> BOs of 1000 disjoint 16-page mappings each: the
    /// large image of the streaming, interrupt and kill tests.
    /// </summary>
    public static List<BoEntry> Large(uint count)
    {
        var bos = new List<BoEntry>();
        for (uint b = 0; b < count; b++)
        {
            var mappings = new VmRecord[1000];
            for (uint m = 0; m < mappings.Length; m++)
            {
                ulong page = 0x1000 + ((b * 1000UL) + m) * 16;
                mappings[m] = new VmRecord(page, page + 15, m * 16 * 4096UL, 0xE);
            }

            bos.Add(new BoEntry(new BoRecord(b + 1, 1000 * 16 * 4096, null, 8, 4, 0, null, 1000), mappings));
        }

        return bos;
    }

    public static async Task<(ImageHeader Header, List<BoEntry> Bos)> ReadAsync(Stream stream)
    {
        await using ImageReader reader = ImageReader.Create(stream);
        ImageHeader header = await reader.ReadHeaderAsync();
        var bos = new List<BoEntry>();
        await foreach (BoEntry entry in reader.ReadBosAsync())
        {
            bos.Add(entry);
        }

        return (header, bos);
    }

    public static Task<(ImageHeader Header, List<BoEntry> Bos)> ReadAsync(byte[] image) => ReadAsync(new MemoryStream(image));

    /// <summary>Reads every record through the pull API, for tests that only care that reading ends well.</summary>
    public static async Task<ulong> ReadAllRecordsAsync(Stream stream)
    {
        await using ImageReader reader = ImageReader.Create(stream);
        await reader.ReadHeaderAsync();
        ulong records = 0;
        while (await reader.ReadFrameAsync())
        {
            while (reader.TryReadRecord(out _))
            {
                records++;
            }
        }

        return records;
    }

    public static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, name + ".img"));

    public static byte[] FixtureJson(string name) => File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, name + ".json"));

    /// <summary>A stream that hands out at most <paramref name="chunk"/> bytes per read.</summary>
    public static Stream Trickle(byte[] bytes, int chunk) => new TrickleStream(bytes, chunk);

    private sealed class TrickleStream(byte[] bytes, int chunk) : MemoryStream(bytes, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, chunk), cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
