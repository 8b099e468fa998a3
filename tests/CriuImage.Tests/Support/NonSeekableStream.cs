namespace CriuImage.Tests.Support;

/// <summary>Bytes read as a pipe gives them: forward only, no length, no position.</summary>
internal sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes, writable: false)
{
    public override bool CanSeek => false;

    public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Length => throw new NotSupportedException();
}
