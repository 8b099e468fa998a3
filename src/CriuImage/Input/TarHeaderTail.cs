namespace CriuImage.Input;

/// <summary>
/// A pass-through (seekable when its source is) that keeps the last 512 bytes read: when the tar reader
/// refuses an entry after reading its header block (a GNU sparse entry), that block is what was read last,
/// so the entry can be named and stepped over.
/// </summary>
internal sealed class TarHeaderTail(Stream inner) : Stream
{
    private readonly byte[] _tail = new byte[TarSparse.Block];

    /// <summary>The last 512 bytes read (zeros before that many were read).</summary>
    public ReadOnlySpan<byte> LastBlock => _tail;

    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        if (n >= _tail.Length)
        {
            buffer.Slice(n - _tail.Length, _tail.Length).CopyTo(_tail);
        }
        else if (n > 0)
        {
            _tail.AsSpan(n).CopyTo(_tail);
            buffer[..n].CopyTo(_tail.AsSpan(_tail.Length - n));
        }

        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
