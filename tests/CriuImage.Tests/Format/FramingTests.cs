using System.Buffers.Binary;
using CriuImage.Abi;
using CriuImage.Format;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>The canonical framing of FORMAT.md section 3, checked on the bytes themselves.</summary>
public class FramingTests
{
    [Fact]
    public async Task RecordFrames_AreFilledGreedily_UpTo64KiB_AndRecordsNeverSpanFrames()
    {
        var random = new RandomImages(99);
        List<BoEntry> bos = random.NextBos(AbiRevision.CriuV8, maxBos: 30, maxMappings: 4000);
        byte[] image = await Images.WriteAsync(new ImageHeader(AbiRevision.CriuV8), bos);

        List<(FrameKind Kind, int Offset, int Length, uint Records)> frames = Frames(image);
        Assert.Equal(FrameKind.Header, frames[0].Kind);
        Assert.Equal(FrameKind.Trailer, frames[^1].Kind);
        List<(FrameKind Kind, int Offset, int Length, uint Records)> records = frames.Where(f => f.Kind == FrameKind.Records).ToList();
        Assert.True(records.Count > 3, "the test image should need several record frames");
        Assert.All(records, f => Assert.InRange(f.Length, 1, FormatLimits.CanonicalFramePayload));

        // Greedy: the first record of each frame would not have fitted in the one before.
        for (int i = 0; i + 1 < records.Count; i++)
        {
            int next = records[i + 1].Offset + FrameHeader.Size;
            int firstRecordLength = RecordLength(image, next);
            Assert.True(records[i].Length + firstRecordLength > FormatLimits.CanonicalFramePayload);
        }

        ulong total = (ulong)bos.Count + (ulong)bos.Sum(b => b.Mappings.Length);
        Assert.Equal(total, (ulong)records.Sum(f => f.Records));
    }

    [Fact]
    public async Task Format11_DigestCoversTheImageIdAndEachFrameIdentity_AndEveryLaterFrameIsSeededAndLinked()
    {
        UInt128 id = new(0x0123456789abcdef, 0xfedcba9876543210);
        byte[] image = await Images.WriteAsync(new ImageHeader(AbiRevision.Linux6_18) { ImageId = id }, new RandomImages(5).NextBos(AbiRevision.Linux6_18, 10, 3000));
        List<(FrameKind Kind, int Offset, int Length, uint Records)> frames = Frames(image);
        byte[] idBytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(idBytes, id);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(10)));
        Assert.Equal(FormatLimits.IncompatImageId, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(12)));
        Assert.True(image.AsSpan(frames[0].Offset + FrameHeader.Size, frames[0].Length).IndexOf(idBytes) > 0, "the header map holds the id");

        uint seed = Crc32C.Append(~0u, idBytes);
        uint state = seed;
        foreach ((FrameKind kind, int offset, _, _) in frames)
        {
            ReadOnlySpan<byte> header = image.AsSpan(offset, FrameHeader.Size);
            bool first = offset == Preamble.Size;
            Assert.Equal(first ? 0 : (ushort)~state, BinaryPrimitives.ReadUInt16LittleEndian(header[6..]));
            Assert.Equal(~Crc32C.Append(first ? ~0u : seed, header[..24]), BinaryPrimitives.ReadUInt32LittleEndian(header[24..]));
            if (kind != FrameKind.Trailer)
            {
                state = Crc32C.Append(state, header[4..24]);
            }
        }

        await using ImageReader reader = ImageReader.Create(new MemoryStream(image));
        await reader.ReadHeaderAsync();
        while (await reader.ReadFrameAsync())
        {
            while (reader.TryReadRecord(out _))
            {
            }
        }

        Assert.Equal(~state, reader.Trailer!.Value.Digest);
        Assert.Equal((ulong)(frames.Count - 1), reader.Trailer!.Value.FrameCount);
    }

    internal static List<(FrameKind Kind, int Offset, int Length, uint Records)> Frames(byte[] image)
    {
        var frames = new List<(FrameKind, int, int, uint)>();
        for (int offset = Preamble.Size; offset < image.Length;)
        {
            ReadOnlySpan<byte> header = image.AsSpan(offset, FrameHeader.Size);
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
            frames.Add(((FrameKind)header[4], offset, length, BinaryPrimitives.ReadUInt32LittleEndian(header[16..])));
            offset += FrameHeader.Size + length;
        }

        return frames;
    }

    private static int RecordLength(byte[] image, int offset)
    {
        var reader = new MessagePack.MessagePackReader(image.AsSpan(offset), offset, null);
        reader.Skip("record", 4);
        return reader.Consumed;
    }
}
