using System.Buffers.Binary;
using CriuImage.Diagnostics;

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

    /// <summary>The preamble this library writes: format 1.1 with its image id feature.</summary>
    public static Preamble Current => new(FormatLimits.MajorVersion, FormatLimits.MinorVersion, FormatLimits.IncompatImageId, 0, 0);

    /// <summary>The preamble of a format 1.0 image, which this library still reads.</summary>
    public static Preamble Version1_0 => new(FormatLimits.MajorVersion, 0, 0, 0, 0);

    /// <summary>
    /// True when the image follows format 1.1's integrity rules (an image id, seeded and linked frame headers,
    /// a digest of frame identity and order); false for a 1.0 image, whose digest cannot tell frames apart.
    /// </summary>
    public bool HasImageId => (Incompat & FormatLimits.IncompatImageId) != 0;

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

    /// <summary>
    /// Checks the first bytes of a file (all of it when it is shorter than 32 bytes) in FORMAT.md's order: the
    /// magic, as far as the file goes; the major version; the length; the CRC; the incompat features.
    /// </summary>
    /// <exception cref="ImageFormatException">Not an image, truncated, an unsupported major version, a bad CRC, or unknown incompat features.</exception>
    public static Preamble Read(ReadOnlySpan<byte> source) =>
        Check(source, out Preamble preamble, out long offset, out string detail) == PreambleProblem.None
            ? preamble
            : throw new ImageFormatException(offset, detail);

    /// <summary>The non-throwing form of <see cref="Read"/>; <paramref name="preamble"/> is filled when the CRC is the only problem.</summary>
    internal static PreambleProblem Check(ReadOnlySpan<byte> source, out Preamble preamble, out long offset, out string detail)
    {
        preamble = default;
        offset = 0;
        detail = "";
        int compared = Math.Min(source.Length, Magic.Length);
        if (source.Length == 0)
        {
            detail = "the file is empty: expected the criu-image magic";
            return PreambleProblem.NotAnImage;
        }

        if (!source[..compared].SequenceEqual(Magic[..compared]))
        {
            detail = $"not a criu-image file: expected the magic {Convert.ToHexString(Magic)}, found {Convert.ToHexString(source[..compared])}";
            return PreambleProblem.NotAnImage;
        }

        if (source.Length < 10)
        {
            offset = source.Length;
            detail = $"the image ends at byte {source.Length}, inside its 32-byte preamble";
            return PreambleProblem.Truncated;
        }

        ushort major = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]);
        if (major != FormatLimits.MajorVersion)
        {
            offset = 8;
            detail = $"format major version {major} is not supported (this reader implements version {FormatLimits.MajorVersion})";
            return PreambleProblem.UnsupportedVersion;
        }

        if (source.Length < Size)
        {
            offset = source.Length;
            detail = $"the image ends at byte {source.Length}, inside its 32-byte preamble";
            return PreambleProblem.Truncated;
        }

        preamble = new Preamble(
            major,
            BinaryPrimitives.ReadUInt16LittleEndian(source[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[20..]));
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(source[28..]);
        uint actual = Crc32C.Compute(source[..28]);
        if (stored != actual)
        {
            detail = $"preamble CRC32C mismatch: stored 0x{stored:x8}, computed 0x{actual:x8}";
            return PreambleProblem.Checksum;
        }

        uint unknown = preamble.Incompat & ~FormatLimits.KnownIncompat;
        if (unknown != 0)
        {
            offset = 12;
            detail = $"the image needs incompatible features 0x{unknown:x8} that this reader does not implement";
            return PreambleProblem.IncompatibleFeatures;
        }

        return PreambleProblem.None;
    }
}

/// <summary>Which check of the preamble failed, in FORMAT.md's order.</summary>
internal enum PreambleProblem
{
    None,
    NotAnImage,
    Truncated,
    UnsupportedVersion,
    Checksum,
    IncompatibleFeatures,
}
