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
    /// <summary>The number a CRIU image name's pattern captured (<c>core-PID.img</c>, <c>ids-PID.img</c>, <c>fdinfo-N.img</c>), or null when it does not match.</summary>
    internal static uint? NumberIn(System.Text.RegularExpressions.Match m) =>
        m.Success && uint.TryParse(m.Groups[1].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint n) ? n : null;

    /// <summary>IMG_COMMON_MAGIC (criu/include/magic.h).</summary>
    public const uint CommonMagic = 0x54564319;

    /// <summary>The entries' bytes with their offsets; throws at the first byte that breaks the framing.</summary>
    /// <exception cref="ImageFormatException">A wrong magic, or an entry whose length runs past the end.</exception>
    public static List<(long Offset, ReadOnlyMemory<byte> Bytes)> Read(ReadOnlyMemory<byte> file, uint magic, string name) => [.. Each(file, magic, name)];

    /// <summary>
    /// The entries one at a time, for images with many (a dump's files.img and fdinfo images list every file of every
    /// task): no list of them is held. Throws, when the enumeration reaches it, at the first byte that breaks the framing.
    /// </summary>
    /// <exception cref="ImageFormatException">A wrong magic, or an entry whose length runs past the end.</exception>
    public static IEnumerable<(long Offset, ReadOnlyMemory<byte> Bytes)> Each(ReadOnlyMemory<byte> file, uint magic, string name)
    {
        int at = Start(file.Span, magic, name);
        while (at < file.Length)
        {
            (long offset, int length) = Next(file.Span, at);
            yield return (offset, file.Slice((int)offset, length));
            at = (int)offset + length;
        }
    }

    /// <summary>The offset of the first entry, after the magics.</summary>
    private static int Start(ReadOnlySpan<byte> span, uint magic, string name)
    {
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

        return at + 4;
    }

    /// <summary>The offset and length of the entry whose 4-byte length is at <paramref name="at"/>.</summary>
    private static (long Offset, int Length) Next(ReadOnlySpan<byte> span, int at)
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

        return (at + 4, (int)length);
    }
}
