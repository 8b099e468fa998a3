using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using CriuImage.IO;

namespace CriuImage.Input;

/// <summary>
/// A blob as it is read, hashed on the way (the stored bytes, before any decoder sees them). A reader task
/// reads ahead and hashes in chunks while the consumer decompresses and parses, so the digest check overlaps
/// the decompression instead of adding to it; at most <see cref="Chunks"/> chunks of <see cref="ChunkSize"/>
/// bytes are in flight. <see cref="Finish"/> reads what is left and gives the length and digest.
/// </summary>
internal sealed class DigestStream : ReadOnlyStream
{
    private const int ChunkSize = 1 << 20;
    private const int Chunks = 4;

    private readonly Stream _inner;
    private readonly IncrementalHash _hash;
    private readonly BlockingCollection<ReadPiece> _full = new(Chunks);
    private readonly BlockingCollection<byte[]> _empty = new(Chunks);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private ReadPiece? _current;
    private int _at;
    private bool _ended;

    public DigestStream(Stream inner, HashAlgorithmName algorithm)
    {
        _inner = inner;
        _hash = IncrementalHash.CreateHash(algorithm);
        for (int i = 0; i < Chunks; i++)
        {
            _empty.Add(new byte[ChunkSize]);
        }

        _reader = Task.Run(ReadAhead);
    }

    /// <summary>Bytes the reader task has read so far.</summary>
    public long Count { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        while (!_ended && buffer.Length > 0)
        {
            if (_current is null)
            {
                _current = _full.Take();
                _at = 0;
                if (_current.Error is { } error)
                {
                    // The source's own exception, as if read here: a truncated archive stays EndOfStreamException.
                    _ended = true;
                    ExceptionDispatchInfo.Capture(error).Throw();
                }

                if (_current.Length == 0)
                {
                    _ended = true;
                    break;
                }
            }

            int n = Math.Min(buffer.Length, _current.Length - _at);
            _current.Bytes.AsSpan(_at, n).CopyTo(buffer);
            _at += n;
            if (_at == _current.Length)
            {
                _empty.Add(_current.Bytes);
                _current = null;
            }

            return n;
        }

        return 0;
    }

    /// <summary>Reads the rest of the blob and gives its length and lowercase hex digest.</summary>
    public (long Length, string Hex) Finish()
    {
        CopyTo(Stream.Null, 1 << 16);
        _reader.Wait();
        return (Count, Convert.ToHexStringLower(_hash.GetHashAndReset()));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The reader task must be done with the source before the next blob of the same archive is read.
            _stop.Cancel();
            try
            {
                _reader.Wait();
            }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
            {
            }

            _stop.Dispose();
            _full.Dispose();
            _empty.Dispose();
            _hash.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void ReadAhead()
    {
        try
        {
            while (true)
            {
                byte[] bytes = _empty.Take(_stop.Token);
                int n = _inner.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
                _hash.AppendData(bytes, 0, n);
                Count += n;
                _full.Add(new ReadPiece(bytes, n, null), _stop.Token);
                if (n == 0)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Handed to the consumer, which rethrows it: a reader task that died silently would leave it waiting.
            _full.Add(new ReadPiece([], 0, e), _stop.Token);
        }
    }

    private sealed record ReadPiece(byte[] Bytes, int Length, Exception? Error);
}
