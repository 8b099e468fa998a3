using System.Buffers.Binary;

namespace CriuImage.Format;

/// <summary>The 28-byte header in front of every frame's payload (FORMAT.md section 3).</summary>
/// <param name="Kind">Frame kind.</param>
/// <param name="Sequence">Index of the frame in the file; the header frame is 0.</param>
/// <param name="PayloadLength">Payload bytes after this header.</param>
/// <param name="RecordCount">MessagePack records in the payload.</param>
/// <param name="PayloadCrc">CRC32C of the payload.</param>
public readonly record struct FrameHeader(FrameKind Kind, uint Sequence, uint PayloadLength, uint RecordCount, uint PayloadCrc)
{
    /// <summary>Size of a frame header in bytes.</summary>
    public const int Size = 28;

    /// <summary>The frame marker: <c>\xF7FRM</c>.</summary>
    public static ReadOnlySpan<byte> Marker => [0xF7, 0x46, 0x52, 0x4D];

    /// <summary>True for a kind that readers that do not know it may skip.</summary>
    public static bool IsAncillary(byte kind) => (kind & 0x20) != 0;

    /// <summary>Writes the 28 bytes, header CRC included.</summary>
    public void Write(Span<byte> destination)
    {
        Marker.CopyTo(destination);
        destination[4] = (byte)Kind;
        destination[5] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], PayloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], RecordCount);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], PayloadCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], Crc32C.Compute(destination[..24]));
    }

    /// <summary>
    /// Parses the 28 bytes found at <paramref name="offset"/> and checks, in FORMAT.md's order, the marker,
    /// the header CRC, flags and reserved bits, the expected sequence and the payload length limit.
    /// </summary>
    /// <exception cref="ImageFormatException">Any check fails.</exception>
    public static FrameHeader Read(ReadOnlySpan<byte> source, long offset, uint expectedSequence)
    {
        if (!source[..4].SequenceEqual(Marker))
        {
            throw new ImageFormatException(offset, $"expected a frame marker {Convert.ToHexString(Marker)}, found {Convert.ToHexString(source[..4])}", expectedSequence);
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(source[24..]);
        uint actual = Crc32C.Compute(source[..24]);
        if (stored != actual)
        {
            throw new ImageFormatException(offset + 24, $"frame header CRC32C mismatch: stored 0x{stored:x8}, computed 0x{actual:x8}", expectedSequence);
        }

        if (source[5] != 0 || BinaryPrimitives.ReadUInt16LittleEndian(source[6..]) != 0)
        {
            throw new ImageFormatException(offset + 5, $"frame flags 0x{source[5]:x2} and reserved 0x{BinaryPrimitives.ReadUInt16LittleEndian(source[6..]):x4} must be zero", expectedSequence);
        }

        var header = new FrameHeader(
            (FrameKind)source[4],
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[20..]));
        if (header.Sequence != expectedSequence)
        {
            throw new ImageFormatException(offset + 8, $"expected frame sequence {expectedSequence}, found {header.Sequence} (a frame is missing, repeated or out of order)", expectedSequence);
        }

        if (header.PayloadLength > FormatLimits.MaxFramePayload)
        {
            throw new ImageFormatException(offset + 12, $"frame payload length {header.PayloadLength} exceeds the limit of {FormatLimits.MaxFramePayload} bytes", expectedSequence);
        }

        if (header.RecordCount > header.PayloadLength)
        {
            throw new ImageFormatException(offset + 16, $"frame declares {header.RecordCount} records in {header.PayloadLength} payload bytes", expectedSequence);
        }

        return header;
    }
}
