using System.Text.Json;
using CriuImage.Format;

namespace CriuImage.Json;

/// <summary>
/// A JSON document read from a stream in bounded pieces: the bytes not yet consumed, the reader's state at
/// their start, and enough of what was consumed (the line count) to turn any later offset into a line and
/// column. Memory is bounded by <see cref="MaxToken"/> whatever the document's size, so an endless input or
/// a 500 MB string ends in one error instead of an out-of-memory.
/// </summary>
internal sealed class JsonSource
{
    /// <summary>What an image given as a JSON document is told (the CLI adds which of its commands decodes it).</summary>
    public const string ImageGiven = "this is an image, not a JSON document";

    /// <summary>Longest stretch of the document that may hold no complete token (a string, a number, a run of whitespace).</summary>
    public const int MaxToken = 1024 * 1024;

    private const int ReadSize = 64 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer = new byte[ReadSize];
    private int _length;
    private int _consumed;
    private long _bufferOffset;
    private bool _final;
    private JsonReaderState _state;
    private long _countedTo;
    private long _line = 1;
    private long _lineStart;

    public JsonSource(Stream stream)
    {
        _stream = stream;
        Fill();

        // An image handed to the encoder by mistake (its magic is not even UTF-8): say what it is.
        if (_buffer.AsSpan(0, _length).StartsWith(Format.Preamble.Magic))
        {
            throw new InterchangeException(1, 1, ImageGiven);
        }

        // RFC 8259 lets a parser ignore a byte order mark; editors on some systems add one.
        if (_buffer.AsSpan(0, _length).StartsWith("\uFEFF"u8))
        {
            _consumed = 3;
            _countedTo = _lineStart = 3;
        }
    }

    /// <summary>The bytes not consumed yet.</summary>
    public ReadOnlySpan<byte> Unconsumed => _buffer.AsSpan(_consumed, _length - _consumed);

    /// <summary>Absolute offset of the first unconsumed byte.</summary>
    public long UnconsumedOffset => _bufferOffset + _consumed;

    /// <summary>True when the stream has ended: the unconsumed bytes are the rest of the document.</summary>
    public bool Final => _final;

    /// <summary>The reader's state at the first unconsumed byte.</summary>
    public JsonReaderState State => _state;

    /// <summary>Records that a reader over <see cref="Unconsumed"/> consumed <paramref name="consumed"/> bytes and stopped in <paramref name="state"/>.</summary>
    public void Consume(long consumed, JsonReaderState state)
    {
        _consumed += (int)consumed;
        _state = state;
    }

    /// <summary>
    /// Reads more of the stream behind the unconsumed bytes, making room first; the caller (<see cref="JsonCursor"/>)
    /// stops before the unconsumed bytes outgrow <see cref="MaxToken"/>, which bounds the buffer.
    /// </summary>
    public void Refill()
    {
        CountLines(UnconsumedOffset);
        int rest = _length - _consumed;
        if (rest == _buffer.Length || (_consumed == 0 && rest > 0 && _buffer.Length - rest < ReadSize))
        {
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxToken + ReadSize));
        }

        _buffer.AsSpan(_consumed, rest).CopyTo(_buffer);
        _bufferOffset += _consumed;
        _consumed = 0;
        _length = rest;
        Fill();
    }

    /// <summary>The line and column (1-based, columns in bytes) of absolute offset <paramref name="offset"/>, which must not be before an offset already located.</summary>
    public (long Line, long Column) Locate(long offset)
    {
        CountLines(offset);
        return (_line, offset - _lineStart + 1);
    }

    /// <summary>An error at absolute offset <paramref name="offset"/>.</summary>
    public InterchangeException ErrorAt(long offset, string detail)
    {
        long at = Math.Max(offset, _countedTo);
        (long line, long column) = Locate(at);
        return new InterchangeException(line, column, detail, at);
    }

    private void CountLines(long upTo)
    {
        long end = Math.Min(upTo, _bufferOffset + _length);
        if (end <= _countedTo)
        {
            return;
        }

        ReadOnlySpan<byte> span = _buffer.AsSpan((int)(_countedTo - _bufferOffset), (int)(end - _countedTo));
        int newlines = span.Count((byte)'\n');
        if (newlines > 0)
        {
            _line += newlines;
            _lineStart = _countedTo + span.LastIndexOf((byte)'\n') + 1;
        }

        _countedTo = end;
    }

    private void Fill()
    {
        while (!_final && _length < _buffer.Length)
        {
            int read = _stream.Read(_buffer, _length, _buffer.Length - _length);
            if (read == 0)
            {
                _final = true;
                break;
            }

            _length += read;
            if (_length - _consumed >= ReadSize / 2)
            {
                break;
            }
        }
    }
}
