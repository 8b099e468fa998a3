using CriuImage.Format;

namespace CriuImage.Tests.Support;

/// <summary>
/// Builds images byte by byte with valid CRCs, links and digest, so tests can put any payload, sequence or
/// trailer into a frame and reach the checks behind the checksums. Format 1.1 (image id
/// <see cref="DefaultImageId"/>) unless given a preamble without the image id feature.
/// </summary>
internal sealed class RawImage
{
    public static readonly UInt128 DefaultImageId = new(0x0011223344556677, 0x8899aabbccddeeff);

    private readonly MemoryStream _bytes = new();
    private readonly Preamble _preamble;
    private FrameChain _chain;
    private uint _sequence;

    public RawImage(Preamble? preamble = null, UInt128? imageId = null)
    {
        _preamble = preamble ?? Preamble.Current;
        ImageId = imageId ?? DefaultImageId;
        byte[] bytes = new byte[Preamble.Size];
        _preamble.Write(bytes);
        _bytes.Write(bytes);
        _chain = _preamble.HasImageId ? FrameChain.ForImageId(ImageId) : FrameChain.Version1_0(bytes);
    }

    public UInt128 ImageId { get; }

    public uint Digest => _chain.Digest;

    public uint NextSequence => _sequence;

    /// <summary>A header frame for <paramref name="abi"/>, with the image id when the image is 1.1.</summary>
    public RawImage Header(string abi = "criu-v8") =>
        Frame(FrameKind.Header, 1, HeaderMap(abi, ImageId, withImageId: _preamble.HasImageId));

    public RawImage Frame(FrameKind kind, uint records, byte[] payload, uint? sequence = null, ushort? link = null)
    {
        bool first = _bytes.Length == Preamble.Size;
        byte[] header = new byte[FrameHeader.Size];
        new FrameHeader(kind, sequence ?? _sequence, (uint)payload.Length, records, Crc32C.Compute(payload), link ?? (first ? (ushort)0 : _chain.NextLink))
            .Write(header, first ? ~0u : _chain.HeaderSeed);
        _bytes.Write(header);
        _bytes.Write(payload);
        if (kind != FrameKind.Trailer)
        {
            _chain.Add(header);
        }

        _sequence++;
        return this;
    }

    /// <summary>The 28 bytes of <paramref name="header"/> as the next frame of this image would carry them (seeded, with its link), without adding them.</summary>
    public byte[] FrameHeaderOnly(FrameHeader header)
    {
        byte[] bytes = new byte[FrameHeader.Size];
        (header with { Link = _chain.NextLink }).Write(bytes, _chain.HeaderSeed);
        return bytes;
    }

    public RawImage Records(uint records, string hex) => Frame(FrameKind.Records, records, Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)));

    /// <summary>A trailer with the given counts, and the true frame count and digest unless given.</summary>
    public RawImage Trailer(ulong bos, ulong mappings, ulong? frames = null, uint? digest = null)
    {
        byte[] payload = new byte[64];
        int length = new Trailer(frames ?? _sequence, bos, mappings, digest ?? Digest).Write(payload);
        return Frame(FrameKind.Trailer, 1, payload[..length]);
    }

    public RawImage Bytes(params byte[] bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();

    /// <summary>A header map for <paramref name="abi"/>; with <see cref="DefaultImageId"/> unless told otherwise (a 1.0 map has none).</summary>
    public static byte[] HeaderMap(string abi, UInt128? imageId = null, bool withImageId = true)
    {
        imageId = withImageId ? imageId ?? DefaultImageId : null;
        byte[] buffer = new byte[256];
        var writer = new MessagePack.MessagePackWriter(buffer);
        writer.WriteMapHeader(imageId is null ? 3u : 4u);
        writer.WriteString("abi");
        writer.WriteString(abi);
        writer.WriteString("mapping_flags");
        writer.WriteString("uapi");
        writer.WriteString("gpu_page_size");
        writer.WriteUInt64(4096);
        if (imageId is { } id)
        {
            byte[] bytes = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, id);
            writer.WriteString("image_id");
            writer.WriteBinary(bytes);
        }

        return buffer[..writer.Written];
    }
}
