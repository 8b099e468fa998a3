namespace CriuImage.Input;

/// <summary>
/// A pass-through (seekable when its source is) that keeps the last 512 bytes read: when the tar reader
/// refuses an entry after reading its header block (a GNU sparse entry), that block is what was read last,
/// so the entry can be named and stepped over. It also bounds what System.Formats.Tar allocates: that reader
/// rents a buffer of whatever size a PAX extended header or GNU long name announces (up to 2 GiB, checksum
/// or not) before reading it. The caller says where the next header starts (<see cref="ExpectHeaderAfter"/>,
/// <see cref="ExpectHeaderHere"/>); when that block and the metadata headers chained after it pass, each is
/// checked against <see cref="MaxMetadataBytes"/> and the read refused with <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class TarHeaderTail(Stream inner) : Stream
{
    /// <summary>Most bytes of one PAX extended header or GNU long name read (real ones hold a few hundred).</summary>
    public const int MaxMetadataBytes = 1 << 20;

    private readonly byte[] _tail = new byte[TarSparse.Block];
    private readonly byte[] _block = new byte[TarSparse.Block];
    private readonly long _origin = inner.CanSeek ? inner.Position : 0;
    private long _position;
    private bool _blockWhole = true;
    private long _expected;
    private long _entryHeader = -1;

    /// <summary>The last 512 bytes read (zeros before that many were read).</summary>
    public ReadOnlySpan<byte> LastBlock => _tail;

    /// <summary>
    /// The entry just returned by the tar reader has <paramref name="dataLength"/> bytes of data (its size as the
    /// reader took it, a PAX <c>size</c> included): the next header follows them. Where the entry's own header was
    /// not seen, nothing more is checked.
    /// </summary>
    public void ExpectHeaderAfter(long dataLength)
    {
        _expected = _entryHeader < 0 || dataLength < 0 ? -1 : _entryHeader + TarSparse.Block + ((dataLength + TarSparse.Block - 1) / TarSparse.Block * TarSparse.Block);
        _entryHeader = -1;
    }

    /// <summary>The next header starts where the archive has been read to.</summary>
    public void ExpectHeaderHere()
    {
        _expected = _position;
        _entryHeader = -1;
    }

    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => Seek(value, SeekOrigin.Begin);
    }

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

        Track(buffer[..n]);
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        // The tar reader seeks over an entry's data by the size its header declares: past the archive's end (or
        // past long's range, which wrapped to a negative position, "Invalid argument") the archive is cut or the size wrong.
        long left = inner.Length - inner.Position;
        if (origin == SeekOrigin.Current ? offset > left : origin == SeekOrigin.Begin && (offset < 0 || offset > inner.Length))
        {
            throw new InvalidDataException("an entry's data runs past the end of the archive: truncated, or a wrong size in its header");
        }

        long at = inner.Seek(offset, origin);
        _position = at - _origin;
        // A block entered in its middle is not checked: its start was never seen.
        _blockWhole = _position % TarSparse.Block == 0;
        return at;
    }

    /// <summary>Assembles the archive's 512-byte blocks as they pass and checks each whole one.</summary>
    private void Track(ReadOnlySpan<byte> read)
    {
        while (!read.IsEmpty)
        {
            int at = (int)(_position % TarSparse.Block);
            int take = Math.Min(TarSparse.Block - at, read.Length);
            read[..take].CopyTo(_block.AsSpan(at));
            _position += take;
            read = read[take..];
            if (_position % TarSparse.Block == 0)
            {
                long start = _position - TarSparse.Block;
                if (_blockWhole && start == _expected)
                {
                    Check(start);
                }

                _blockWhole = true;
            }
        }
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>The header block at <paramref name="start"/>: a metadata header is bounded, and the header it precedes is expected after its data.</summary>
    private void Check(long start)
    {
        if (TarSparse.MetadataHeader(_block) is not { } header)
        {
            // An entry's own header (or the end): the caller says how long its data is once the reader returns the entry.
            _entryHeader = start;
            _expected = -1;
            return;
        }

        if (header.Size > MaxMetadataBytes)
        {
            throw new InvalidDataException($"the header at byte {start} announces a {header.What} of {(header.Size == long.MaxValue ? "more than 2^63" : header.Size)} bytes, more than the {MaxMetadataBytes} this tool reads");
        }

        _expected = start + TarSparse.Block + ((header.Size + TarSparse.Block - 1) / TarSparse.Block * TarSparse.Block);
    }
}
