using System.Buffers.Binary;
using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>
/// The framing of CRIU's own images (criu/image.c, criu/protobuf.c at 2cf8f13): the common magic 0x54564319
/// (absent in images written without it, image.c:83), the image's own magic, then entries, each a 32-bit
/// little-endian length and that many bytes of protobuf (<c>pb_read_one_eof</c>). Unlike the amdgpu plugin's
/// files, there is no 8-byte size header.
/// </summary>
internal static class CriuImageEntries
{
    /// <summary>IMG_COMMON_MAGIC (criu/include/magic.h).</summary>
    public const uint CommonMagic = 0x54564319;

    /// <summary>The entries' bytes with their offsets; throws at the first byte that breaks the framing.</summary>
    /// <exception cref="ImageFormatException">A wrong magic, or an entry whose length runs past the end.</exception>
    public static List<(long Offset, ReadOnlyMemory<byte> Bytes)> Read(ReadOnlyMemory<byte> file, uint magic, string name)
    {
        ReadOnlySpan<byte> span = file.Span;
        int at = span.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(span) == CommonMagic ? 4 : 0;
        if (span.Length < at + 4)
        {
            throw new ImageFormatException(span.Length, $"the file ends after {span.Length} bytes, before the magics CRIU writes first");
        }

        uint found = BinaryPrimitives.ReadUInt32LittleEndian(span[at..]);
        if (found != magic)
        {
            throw new ImageFormatException(at, $"magic 0x{found:x8} is not {name}'s 0x{magic:x8}: not a CRIU {name}");
        }

        at += 4;
        var entries = new List<(long, ReadOnlyMemory<byte>)>();
        while (at < span.Length)
        {
            if (span.Length - at < 4)
            {
                throw new ImageFormatException(at, $"an entry's 4-byte length is cut off after {span.Length - at} bytes");
            }

            uint length = BinaryPrimitives.ReadUInt32LittleEndian(span[at..]);
            if (length > (uint)(span.Length - at - 4))
            {
                throw new ImageFormatException(at, $"the entry's length says {length} bytes, but only {span.Length - at - 4} follow it: the file is truncated");
            }

            entries.Add((at + 4, file.Slice(at + 4, (int)length)));
            at += 4 + (int)length;
        }

        return entries;
    }
}
