using CriuImage.MessagePack;

namespace CriuImage.Format;

/// <summary>The trailer frame's record (FORMAT.md section 6).</summary>
/// <param name="FrameCount">Frames before the trailer, header frame included.</param>
/// <param name="BoCount">BO records in the image.</param>
/// <param name="MappingCount">VM records in the image.</param>
/// <param name="Digest">Format 1.1: CRC32C of the image id and bytes 4..23 of every earlier frame header. Format 1.0: CRC32C of the preamble and every earlier frame header.</param>
public readonly record struct Trailer(ulong FrameCount, ulong BoCount, ulong MappingCount, uint Digest)
{
    /// <summary>Largest encoding of the trailer record.</summary>
    internal const int MaxLength = 1 + (3 * MessagePackWriter.MaxUInt64Length) + 5;

    /// <summary>
    /// How this trailer disagrees with what a reader counted before it (the frames, BO and VM records, and the
    /// finished digest), with the offset of the disagreeing value (<paramref name="at"/>: the offsets of the
    /// four values, from <see cref="Read"/>); null when it agrees.
    /// </summary>
    internal (string Detail, long Offset)? Disagreement(ulong frames, ulong bos, ulong mappings, uint digest, in TrailerOffsets at) =>
        FrameCount != frames ? ($"the trailer says frame_count {FrameCount}, but {frames} frames precede it", at.FrameCount) :
        BoCount != bos ? ($"the trailer says bo_count {BoCount}, but the image holds {bos} BO records", at.BoCount) :
        MappingCount != mappings ? ($"the trailer says mapping_count {MappingCount}, but the image holds {mappings} VM records", at.MappingCount) :
        Digest != digest ? ($"the trailer says digest 0x{Digest:x8}, but the frames before it give 0x{digest:x8}: frames were removed, repeated, reordered or replaced", at.Digest) :
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

    internal static Trailer Read(ref MessagePackReader reader, out TrailerOffsets offsets)
    {
        long start = reader.Offset;
        int length = reader.ReadArrayHeader("the trailer");
        if (length != 4)
        {
            throw reader.ErrorAt(start, $"expected a trailer array of 4 elements, found {length}");
        }

        long frameAt = reader.Offset;
        ulong frames = reader.ReadUInt64("frame_count");
        long boAt = reader.Offset;
        ulong bos = reader.ReadUInt64("bo_count");
        long mappingAt = reader.Offset;
        ulong mappings = reader.ReadUInt64("mapping_count");
        long digestAt = reader.Offset;
        uint digest = reader.ReadUInt32("digest");
        offsets = new TrailerOffsets(frameAt, boAt, mappingAt, digestAt);
        return new Trailer(frames, bos, mappings, digest);
    }
}

/// <summary>Where the trailer's four values begin in the file, so a disagreement is reported at its value.</summary>
internal readonly record struct TrailerOffsets(long FrameCount, long BoCount, long MappingCount, long Digest);
