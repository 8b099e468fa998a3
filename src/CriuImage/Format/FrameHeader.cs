using System.Buffers.Binary;
using CriuImage.Diagnostics;

namespace CriuImage.Format;

/// <summary>The 28-byte header in front of every frame's payload (FORMAT.md section 3).</summary>
/// <param name="Kind">Frame kind.</param>
/// <param name="Sequence">Index of the frame in the file; the header frame is 0.</param>
/// <param name="PayloadLength">Payload bytes after this header.</param>
/// <param name="RecordCount">MessagePack records in the payload.</param>
/// <param name="PayloadCrc">CRC32C of the payload.</param>
/// <param name="Link">Bytes 6..7: in format 1.1 the low 16 bits of the digest of the frames before this one (0 for the header frame); reserved, 0, in 1.0.</param>
internal readonly record struct FrameHeader(FrameKind Kind, uint Sequence, uint PayloadLength, uint RecordCount, uint PayloadCrc, ushort Link = 0)
{
    /// <summary>Size of a frame header in bytes.</summary>
    public const int Size = 28;

    /// <summary>The frame marker: <c>\xF7FRM</c>.</summary>
    public static ReadOnlySpan<byte> Marker => [0xF7, 0x46, 0x52, 0x4D];

    /// <summary>True for a kind that readers that do not know it skip: a lower-case ASCII letter.</summary>
    public static bool IsAncillary(byte kind) => kind is >= (byte)'a' and <= (byte)'z';

    /// <summary>Writes the 28 bytes with an unseeded header CRC (format 1.0, and the header frame of 1.1).</summary>
    public void Write(Span<byte> destination) => Write(destination, ~0u);

    /// <summary>Writes the 28 bytes, the header CRC continuing from <paramref name="crcSeed"/> (a running CRC32C state).</summary>
    internal void Write(Span<byte> destination, uint crcSeed)
    {
        Marker.CopyTo(destination);
        destination[4] = (byte)Kind;
        destination[5] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], Link);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], PayloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], RecordCount);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], PayloadCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], ~Crc32C.Append(crcSeed, destination[..24]));
    }

    /// <summary>
    /// Parses 28 bytes and makes the checks that decide whether the frame's extent can be trusted, in FORMAT.md's
    /// order: the marker, the header CRC (from <paramref name="crcSeed"/>), the flags, the payload length limit,
    /// and the record count against the length. Link and sequence are the caller's. Never throws, so that a
    /// scan for the next valid frame costs no exception per candidate.
    /// </summary>
    internal static FrameProblem Parse(ReadOnlySpan<byte> source, uint crcSeed, out FrameHeader header)
    {
        header = default;
        if (!source[..4].SequenceEqual(Marker))
        {
            return FrameProblem.Marker;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(source[24..]) != ~Crc32C.Append(crcSeed, source[..24]))
        {
            return FrameProblem.HeaderChecksum;
        }

        header = new FrameHeader(
            (FrameKind)source[4],
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[20..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[6..]));
        return source[5] != 0 ? FrameProblem.Flags
            : header.PayloadLength > FormatLimits.MaxFramePayload ? FrameProblem.PayloadLength
            : header.RecordCount > header.PayloadLength ? FrameProblem.RecordCount
            : FrameProblem.None;
    }

    /// <summary>
    /// Parses the 28 bytes found at <paramref name="offset"/> and checks, in FORMAT.md's order, what
    /// <see cref="Parse"/> checks, then the link (<paramref name="expectedLink"/>) and the sequence.
    /// </summary>
    /// <exception cref="ImageFormatException">Any check fails; at the byte FORMAT.md section 11 names.</exception>
    internal static FrameHeader Read(ReadOnlySpan<byte> source, long offset, uint expectedSequence, uint crcSeed, ushort expectedLink, bool linked)
    {
        FrameProblem problem = Parse(source, crcSeed, out FrameHeader header);
        if (problem != FrameProblem.None)
        {
            throw new ImageFormatException(offset + problem.Offset(), problem.Describe(source, header, linked), expectedSequence);
        }

        if (header.Link != expectedLink)
        {
            throw new ImageFormatException(offset + 6, linked
                ? $"frame link 0x{header.Link:x4} does not follow the frames before it (expected 0x{expectedLink:x4}): a frame is missing, repeated, out of order or from another image"
                : $"frame reserved field 0x{header.Link:x4} must be zero", expectedSequence);
        }

        if (header.Sequence != expectedSequence)
        {
            throw new ImageFormatException(offset + 8, $"expected frame sequence {expectedSequence}, found {header.Sequence} (a frame is missing, repeated or out of order)", expectedSequence);
        }

        return header;
    }
}

/// <summary>Which structural check of a frame header failed (<see cref="FrameHeader.Parse"/>).</summary>
internal enum FrameProblem
{
    None,
    Marker,
    HeaderChecksum,
    Flags,
    PayloadLength,
    RecordCount,
}

/// <summary>Where in the frame header each problem is reported, and how it reads.</summary>
internal static class FrameProblems
{
    /// <summary>Offset within the frame header of the byte FORMAT.md section 11 reports the problem at.</summary>
    public static int Offset(this FrameProblem problem) => problem switch
    {
        FrameProblem.Flags => 5,
        FrameProblem.PayloadLength => 12,
        FrameProblem.RecordCount => 16,
        _ => 0,
    };

    /// <summary>A few words for a scanner that only says why it resynchronised.</summary>
    public static string Summary(this FrameProblem problem) => problem switch
    {
        FrameProblem.Marker => "no frame marker",
        FrameProblem.HeaderChecksum => "frame header CRC32C mismatch",
        FrameProblem.Flags => "frame flags not zero",
        FrameProblem.PayloadLength => "payload length over the limit",
        FrameProblem.RecordCount => "more records than payload bytes",
        _ => "no problem",
    };

    /// <summary>The full explanation, for the strict reader's exception.</summary>
    public static string Describe(this FrameProblem problem, ReadOnlySpan<byte> source, in FrameHeader header, bool linked) => problem switch
    {
        FrameProblem.Marker => $"expected a frame marker {Convert.ToHexString(FrameHeader.Marker)}, found {Convert.ToHexString(source[..4])}",
        FrameProblem.HeaderChecksum => linked
            ? $"frame header CRC32C mismatch: stored 0x{BinaryPrimitives.ReadUInt32LittleEndian(source[24..]):x8} (the header is damaged, or the frame comes from another image: 1.1 frame header CRCs are seeded with the image id)"
            : $"frame header CRC32C mismatch: stored 0x{BinaryPrimitives.ReadUInt32LittleEndian(source[24..]):x8}, computed 0x{Crc32C.Compute(source[..24]):x8}",
        FrameProblem.Flags => $"frame flags 0x{source[5]:x2} must be zero",
        FrameProblem.PayloadLength => $"frame payload length {header.PayloadLength} exceeds the limit of {FormatLimits.MaxFramePayload} bytes",
        FrameProblem.RecordCount => $"frame declares {header.RecordCount} records in {header.PayloadLength} payload bytes",
        _ => "no problem",
    };
}
