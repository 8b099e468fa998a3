using CriuImage.IO;

namespace CriuImage.Input;

/// <summary>A read-only pass-through that reports how many bytes have been read, at most every 64 MiB.</summary>
internal sealed class ProgressStream(Stream inner, Action<long> report) : ReadOnlyStream
{
    private const long Step = 64L << 20;
    private long _read;
    private long _next = Step;

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
}
