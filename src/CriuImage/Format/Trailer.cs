using CriuImage.MessagePack;

namespace CriuImage.Format;

/// <summary>The trailer frame's record (FORMAT.md section 6).</summary>
/// <param name="FrameCount">Frames before the trailer, header frame included.</param>
/// <param name="BoCount">BO records in the image.</param>
/// <param name="MappingCount">VM records in the image.</param>
/// <param name="Digest">CRC32C of the preamble followed by every earlier frame header.</param>
public readonly record struct Trailer(ulong FrameCount, ulong BoCount, ulong MappingCount, uint Digest)
{
    /// <summary>Largest encoding of the trailer record.</summary>
    internal const int MaxLength = 1 + (3 * MessagePackWriter.MaxUInt64Length) + 5;

    /// <summary>
    /// How this trailer disagrees with what a reader counted before it (the frames, BO and VM records, and
    /// the finished digest of the preamble and frame headers), or null when it agrees.
    /// </summary>
    internal string? Disagreement(ulong frames, ulong bos, ulong mappings, uint digest) =>
        FrameCount != frames ? $"the trailer says frame_count {FrameCount}, but {frames} frames precede it" :
        BoCount != bos ? $"the trailer says bo_count {BoCount}, but the image holds {bos} BO records" :
        MappingCount != mappings ? $"the trailer says mapping_count {MappingCount}, but the image holds {mappings} VM records" :
        Digest != digest ? $"the trailer says digest 0x{Digest:x8}, but the preamble and frame headers give 0x{digest:x8}" :
        null;

    internal int Write(Span<byte> destination)
    {
        var writer = new MessagePackWriter(destination);
        writer.WriteArrayHeader(4);
        writer.WriteUInt64(FrameCount);
        writer.WriteUInt64(BoCount);
        writer.WriteUInt64(MappingCount);
        writer.WriteUInt64(Digest);
        return writer.Written;
    }

    internal static Trailer Read(ref MessagePackReader reader)
    {
        long start = reader.Offset;
        int length = reader.ReadArrayHeader("the trailer");
        if (length != 4)
        {
            throw reader.ErrorAt(start, $"expected a trailer array of 4 elements, found {length}");
        }

        return new Trailer(
            reader.ReadUInt64("frame_count"),
            reader.ReadUInt64("bo_count"),
            reader.ReadUInt64("mapping_count"),
            reader.ReadUInt32("digest"));
    }
}
