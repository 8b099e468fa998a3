using System.IO.Pipelines;

namespace CriuImage.Tests.Support;

/// <summary>A pipe writer that drops everything into one reused buffer: measures the writer alone.</summary>
internal sealed class NullPipeWriter : PipeWriter
{
    private readonly byte[] _buffer = new byte[1 << 20];

    public long Written { get; private set; }

    public override void Advance(int bytes) => Written += bytes;

    public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer;

    public override Span<byte> GetSpan(int sizeHint = 0) => _buffer;

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => new(new FlushResult(false, false));

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }
}
