namespace CriuImage.Diagnostics;

/// <summary>
/// The exception for a malformed or damaged image or CRIU file: it says where (byte offset from the start
/// of the file, and the frame's sequence number where known) and what was expected there.
/// </summary>
public sealed class ImageFormatException : InputFormatException
{
    /// <summary>Creates the exception for a problem found at <paramref name="byteOffset"/>.</summary>
    /// <param name="byteOffset">Offset from the start of the file of the first byte of the offending item.</param>
    /// <param name="detail">What was expected and what was found.</param>
    /// <param name="frame">Sequence number of the frame the item belongs to, where known.</param>
    public ImageFormatException(long byteOffset, string detail, long? frame = null)
        : base(Describe(byteOffset, detail, frame), detail)
    {
        ByteOffset = byteOffset;
        Frame = frame;
    }

    /// <summary>Offset from the start of the file of the first byte of the offending item.</summary>
    public long ByteOffset { get; }

    /// <summary>Sequence number of the frame that holds the offending item, where known.</summary>
    public long? Frame { get; }

    /// <inheritdoc/>
    public override long? InputOffset => ByteOffset;

    /// <summary>The position, then <paramref name="detail"/>: the message of every damage found at a byte.</summary>
    internal static string Describe(long byteOffset, string detail, long? frame) =>
        frame is { } f ? $"at byte {byteOffset} (frame {f}): {detail}" : $"at byte {byteOffset}: {detail}";
}
