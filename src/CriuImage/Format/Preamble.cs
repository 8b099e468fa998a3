using System.Buffers.Binary;

namespace CriuImage.Format;

/// <summary>The 32-byte preamble at offset 0 (FORMAT.md section 2).</summary>
/// <param name="Major">Format major version.</param>
/// <param name="Minor">Format minor version.</param>
/// <param name="Incompat">Features a reader must understand to read the image.</param>
/// <param name="RoCompat">Features a reader may ignore when reading, but not when re-creating the image.</param>
/// <param name="Compat">Features any reader may ignore.</param>
public readonly record struct Preamble(ushort Major, ushort Minor, uint Incompat, uint RoCompat, uint Compat)
{
    /// <summary>Size of the preamble in bytes.</summary>
    public const int Size = 32;

    /// <summary>The magic bytes: <c>\x89AGC\r\n\x1A\n</c>.</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, 0x41, 0x47, 0x43, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The preamble this library writes.</summary>
    public static Preamble Current => new(FormatLimits.MajorVersion, FormatLimits.MinorVersion, 0, 0, 0);

    /// <summary>Writes the 32 bytes, CRC included.</summary>
    public void Write(Span<byte> destination)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], Major);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], Minor);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Incompat);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], RoCompat);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], Compat);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Crc32C.Compute(destination[..28]));
    }

    /// <summary>Parses and checks the 32 bytes at offset 0, in the order FORMAT.md gives.</summary>
    /// <exception cref="ImageFormatException">Not an image, a major version other than 1, a bad CRC, or unknown incompat features.</exception>
    public static Preamble Read(ReadOnlySpan<byte> source)
    {
        if (!source[..8].SequenceEqual(Magic))
        {
            throw new ImageFormatException(0, $"not a criu-image file: expected the magic {Convert.ToHexString(Magic)}, found {Convert.ToHexString(source[..8])}");
        }

        ushort major = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]);
        if (major != FormatLimits.MajorVersion)
        {
            throw new ImageFormatException(8, $"format major version {major} is not supported (this reader implements version {FormatLimits.MajorVersion})");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(source[28..]);
        uint actual = Crc32C.Compute(source[..28]);
        if (stored != actual)
        {
            throw new ImageFormatException(28, $"preamble CRC32C mismatch: stored 0x{stored:x8}, computed 0x{actual:x8}");
        }

        var preamble = new Preamble(
            major,
            BinaryPrimitives.ReadUInt16LittleEndian(source[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[20..]));
        if (preamble.Incompat != 0)
        {
            throw new ImageFormatException(12, $"the image needs incompatible features 0x{preamble.Incompat:x8} that this reader does not implement");
        }

        return preamble;
    }
}
