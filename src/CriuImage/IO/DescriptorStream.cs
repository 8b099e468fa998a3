namespace CriuImage.IO;

/// <summary>
/// Writes to a descriptor this process already holds (<c>/dev/stdout</c>, <c>/dev/fd/N</c>) with write(2),
/// so the bytes land at the descriptor's own offset and move it on, as a shell's other writers to the same
/// descriptor expect (FileStream writes a seekable file at positions of its own and leaves the offset).
/// The descriptor stays open.
/// </summary>
internal sealed class DescriptorStream(int fd) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => Posix.WriteAll(fd, buffer);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
