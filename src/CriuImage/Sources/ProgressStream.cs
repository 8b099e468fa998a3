namespace CriuImage.Sources;

/// <summary>A read-only pass-through that reports how many bytes have been read, at most every 64 MiB.</summary>
internal sealed class ProgressStream(Stream inner, Action<long> report) : Stream
{
    private const long Step = 64L << 20;
    private long _read;
    private long _next = Step;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        _read += n;
        if (_read >= _next)
        {
            _next = _read + Step;
            report(_read);
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
