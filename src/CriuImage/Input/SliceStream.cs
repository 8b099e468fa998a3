using CriuImage.IO;

namespace CriuImage.Input;

/// <summary>A read-only window of a seekable stream (one archive entry's data); only one is read at a time.</summary>
internal sealed class SliceStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private long _at;
    private readonly long _end;

    public SliceStream(Stream inner, long offset, long length)
    {
        _inner = inner;
        _at = offset;
        _end = offset + length;
    }

    public override int Read(Span<byte> buffer)
    {
        int want = (int)Math.Min(buffer.Length, _end - _at);
        if (want <= 0)
        {
            return 0;
        }

        _inner.Position = _at;
        int n = _inner.Read(buffer[..want]);
        if (n == 0)
        {
            throw new EndOfStreamException($"the archive ends {_end - _at} bytes before the end of an entry");
        }

        _at += n;
        return n;
    }
}
