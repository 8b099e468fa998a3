using CriuImage.Format;

namespace CriuImage.Tests.Support;

/// <summary>
/// Builds images byte by byte with valid CRCs and digest, so tests can put any payload, sequence or
/// trailer into a frame and reach the checks behind the checksums.
/// </summary>
internal sealed class RawImage
{
    private readonly MemoryStream _bytes = new();
    private uint _digest = ~0u;
    private uint _sequence;

    public RawImage(Preamble? preamble = null)
    {
        byte[] bytes = new byte[Preamble.Size];
        (preamble ?? Preamble.Current).Write(bytes);
        _bytes.Write(bytes);
        _digest = Crc32C.Append(_digest, bytes);
    }

    public uint Digest => ~_digest;

    public uint NextSequence => _sequence;

    /// <summary>A header frame for <paramref name="abi"/> (hex of a MessagePack map).</summary>
    public RawImage Header(string abi = "criu-v8") =>
        Frame(FrameKind.Header, 1, HeaderMap(abi));

    public RawImage Frame(FrameKind kind, uint records, byte[] payload, uint? sequence = null)
    {
        byte[] header = new byte[FrameHeader.Size];
        new FrameHeader(kind, sequence ?? _sequence, (uint)payload.Length, records, Crc32C.Compute(payload)).Write(header);
        _bytes.Write(header);
        _bytes.Write(payload);
        if (kind != FrameKind.Trailer)
        {
            _digest = Crc32C.Append(_digest, header);
        }

        _sequence++;
        return this;
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

    public static byte[] HeaderMap(string abi)
    {
        byte[] buffer = new byte[256];
        var writer = new MessagePack.MessagePackWriter(buffer);
        writer.WriteMapHeader(3);
        writer.WriteString("abi");
        writer.WriteString(abi);
        writer.WriteString("mapping_flags");
        writer.WriteString("uapi");
        writer.WriteString("gpu_page_size");
        writer.WriteUInt64(4096);
        return buffer[..writer.Written];
    }
}
