using ZstdSharp;

namespace CriuImage.Input;

/// <summary>The compression of a stream, told by its first bytes (never by its name).</summary>
internal enum Compression
{
    /// <summary>Not compressed.</summary>
    None,

    /// <summary>gzip (RFC 1952): <c>1f 8b 08</c>.</summary>
    Gzip,

    /// <summary>zstd (RFC 8878): the frame magic <c>28 b5 2f fd</c>, or a skippable frame <c>5? 2a 4d 18</c>.</summary>
    Zstd,
}

/// <summary>The one compression detector and decoder of the input layer.</summary>
internal static class Compressions
{
    /// <summary>The compression <paramref name="head"/> starts with.</summary>
    public static Compression Detect(ReadOnlySpan<byte> head) =>
        head is [0x1F, 0x8B, 0x08, ..] ? Compression.Gzip
        : head is [0x28, 0xB5, 0x2F, 0xFD, ..] or [>= 0x50 and <= 0x5F, 0x2A, 0x4D, 0x18, ..] ? Compression.Zstd
        : Compression.None;

    /// <summary>
    /// <paramref name="source"/> decompressed as its first bytes say (or as it is, when they name no
    /// compression): read it to its end, and the trailers and checksums are checked.
    /// </summary>
    public static Stream Decode(Stream source, InputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Compression kind = Detect(Containers.Peek(ref source));
        return kind == Compression.None ? source : Open(source, kind, new InputBudget(options));
    }

    /// <summary>
    /// A stream of the decompressed bytes of <paramref name="source"/>. Read to its end, it has checked every
    /// gzip member's CRC32 and length trailer, or every zstd frame's content checksum; a damaged, truncated
    /// or over-long stream throws <see cref="InvalidDataException"/> saying which.
    /// </summary>
    public static Stream Open(Stream source, Compression kind, InputBudget budget) => kind switch
    {
        Compression.Gzip => new BudgetStream(new GzipReader(source), budget),
        Compression.Zstd => new BudgetStream(new DecompressionStream(source, bufferSize: 1 << 17, checkEndOfStream: true, leaveOpen: true), budget),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
