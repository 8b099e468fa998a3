namespace CriuImage.IO;

/// <summary>
/// A file being written whose EFBIG comes out as every other failed write does, an <see cref="IOException"/>
/// carrying the errno. .NET turns EFBIG (past the file size limit, <c>ulimit -f</c>, or the file system's
/// largest file) into an <see cref="ArgumentOutOfRangeException"/> for a parameter "value", which reads as a
/// bug of the caller and would reach the user as an unexpected error instead of one line under the output's name.
/// </summary>
internal sealed class FileTooLargeStream(FileStream inner) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => Translated(() => inner.Flush());

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw TooLarge();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw TooLarge();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw TooLarge();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Flushes to the disk (fsync), with EFBIG translated as for a write.</summary>
    public void FlushToDisk() => Translated(() => inner.Flush(flushToDisk: true));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Translated(inner.Dispose);
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await inner.DisposeAsync().ConfigureAwait(false);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw TooLarge();
        }

        GC.SuppressFinalize(this);
    }

    private static void Translated(Action write)
    {
        try
        {
            write();
        }
        catch (ArgumentOutOfRangeException)
        {
            throw TooLarge();
        }
    }

    private static IOException TooLarge() => new(IoMessages.OfErrno(Posix.Efbig), Posix.Efbig);
}
