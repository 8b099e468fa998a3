using System.Buffers.Binary;

namespace CriuImage.Format;

/// <summary>
/// What ties the frames of one image to the image and to each other (FORMAT.md sections 3 and 6): the seed
/// of every frame header CRC after the header frame, the link each such frame carries, and the running
/// trailer digest. Format 1.1 seeds with the image id and digests each frame's kind, link, sequence, length,
/// record count and payload CRC, so a frame removed, repeated, reordered or taken from another image shows.
/// Format 1.0 has no seed or link, and its digest (over blocks that each end in their own CRC) depends on
/// nothing but the number of frames.
/// </summary>
internal struct FrameChain
{
    private readonly bool _linked;
    private readonly uint _seed;
    private uint _digest;

    private FrameChain(bool linked, uint seed, uint digest)
    {
        _linked = linked;
        _seed = seed;
        _digest = digest;
    }

    /// <summary>The chain of a 1.1 image with <paramref name="imageId"/>, before its header frame.</summary>
    public static FrameChain ForImageId(UInt128 imageId)
    {
        Span<byte> id = stackalloc byte[FormatLimits.ImageIdBytes];
        BinaryPrimitives.WriteUInt128BigEndian(id, imageId);
        uint seed = Crc32C.Append(~0u, id);
        return new FrameChain(true, seed, seed);
    }

    /// <summary>The chain of a 1.0 image, whose digest starts with its 32 preamble bytes.</summary>
    public static FrameChain Version1_0(ReadOnlySpan<byte> preamble) => new(false, ~0u, Crc32C.Append(~0u, preamble));

    /// <summary>True for format 1.1's chain: seeded header CRCs and links.</summary>
    public readonly bool Linked => _linked;

    /// <summary>The CRC state a frame header after the header frame starts from: the image id's in 1.1, the plain initial value in 1.0.</summary>
    public readonly uint HeaderSeed => _seed;

    /// <summary>The link the next frame must carry (bytes 6..7 of its header): the low 16 bits of the digest so far in 1.1, 0 in 1.0.</summary>
    public readonly ushort NextLink => _linked ? (ushort)~_digest : (ushort)0;

    /// <summary>The trailer digest of the frames added so far.</summary>
    public readonly uint Digest => ~_digest;

    /// <summary>Adds a frame before the trailer, given its 28 header bytes.</summary>
    public void Add(ReadOnlySpan<byte> frameHeader) =>
        _digest = _linked ? Crc32C.Append(_digest, frameHeader[4..24]) : Crc32C.Append(_digest, frameHeader[..FrameHeader.Size]);
}
