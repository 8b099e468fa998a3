using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using CriuImage.IO;

namespace CriuImage.Input;

/// <summary>
/// Decompresses a gzip stream (RFC 1952) member by member and checks each member's trailer: the CRC32 and
/// the length (ISIZE) of its data. .NET's GZipStream checks a trailer that is there but passes a stream
/// that ends before it (truncated, or cut after the data), which for a checkpoint is the only integrity
/// check there is; this reader inflates each member's raw deflate data, and since the inflater reads ahead,
/// finds the trailer in the last input chunk it was given (the deflate data ends inside it) as the one
/// 8-byte window that matches the data's CRC32 and length. Bytes after the last member other than zeros
/// (tape padding) are damage.
/// </summary>
internal sealed class GzipReader : ReadOnlyStream
{
    private const byte FlagHeaderCrc = 0x02;
    private const byte FlagExtra = 0x04;
    private const byte FlagName = 0x08;
    private const byte FlagComment = 0x10;

    private readonly Feeder _feed;
    private readonly Crc32 _crc = new();
    private DeflateStream? _inflate;
    private long _length;
    private int _member;
    private bool _done;

    public GzipReader(Stream source) => _feed = new Feeder(source);

    public override int Read(Span<byte> buffer)
    {
        while (!_done && buffer.Length > 0)
        {
            if (_inflate is null && !StartMember())
            {
                _done = true;
                break;
            }

            int n;
            try
            {
                n = _inflate!.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                // DeflateStream says "unsupported compression method" for any bad deflate block: say what it is, and where.
                throw new InvalidDataException($"the deflate data of member {_member} does not decode (the stream read up to byte {_feed.Consumed}, {_length} bytes of its data decoded): the data is damaged", e);
            }

            if (n > 0)
            {
                _crc.Append(buffer[..n]);
                _length += n;
                return n;
            }

            EndMember();
        }

        return 0;
    }

    /// <summary>Reads the next member's header; false at the end of the stream after at least one member.</summary>
    private bool StartMember()
    {
        long at = _feed.Consumed;
        int first = _feed.ReadByte();
        if (first < 0 && _member > 0)
        {
            return false;
        }

        if (first != 0x1F || _feed.ReadByte() != 0x8B)
        {
            if (_member > 0 && first == 0 && _feed.OnlyZerosLeft())
            {
                return false;
            }

            throw new InvalidDataException(_member == 0 ? "not a gzip stream" : $"{_feed.Consumed - at} or more bytes at byte {at}, after the last gzip member, are neither a member nor zero padding");
        }

        int method = _feed.ReadByte();
        int flags = _feed.ReadByte();
        if (method != 8 || flags < 0 || (flags & 0xE0) != 0)
        {
            throw new InvalidDataException($"the gzip member at byte {at} has compression method {method} and flags 0x{flags:x2}: not a deflate member");
        }

        _feed.Skip(6, at);
        if ((flags & FlagExtra) != 0)
        {
            int lo = _feed.ReadByte();
            int hi = _feed.ReadByte();
            _feed.Skip(lo | (hi << 8), at);
        }

        if ((flags & FlagName) != 0)
        {
            _feed.SkipPastZero(at);
        }

        if ((flags & FlagComment) != 0)
        {
            _feed.SkipPastZero(at);
        }

        if ((flags & FlagHeaderCrc) != 0)
        {
            _feed.Skip(2, at);
        }

        _member++;
        _crc.Reset();
        _length = 0;
        _feed.StartChunks();
        _inflate = new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
        return true;
    }

    /// <summary>The deflate data of the member ended (or the input did): find and check its trailer.</summary>
    private void EndMember()
    {
        _inflate!.Dispose();
        _inflate = null;
        uint crc = _crc.GetCurrentHashAsUInt32();
        uint size = unchecked((uint)_length);
        ReadOnlySpan<byte> window = _feed.LastChunkAndMore(8);
        for (int p = 0; p + 8 <= window.Length; p++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(window[p..]) == crc && BinaryPrimitives.ReadUInt32LittleEndian(window[(p + 4)..]) == size)
            {
                _feed.ResumeAfter(p + 8);
                return;
            }
        }

        throw new InvalidDataException(Mismatch(window, crc, size));
    }

    /// <summary>Says what is wrong with the end of a member whose trailer matched nowhere.</summary>
    private string Mismatch(ReadOnlySpan<byte> window, uint crc, uint size)
    {
        if (_feed.AtEnd && window.Length >= 8)
        {
            uint saysCrc = BinaryPrimitives.ReadUInt32LittleEndian(window[^8..]);
            uint saysSize = BinaryPrimitives.ReadUInt32LittleEndian(window[^4..]);
            if (saysSize == size)
            {
                return $"the CRC32 trailer of member {_member} says {saysCrc:x8}, its {_length} bytes of data have {crc:x8}: the data is damaged";
            }

            if (saysCrc == crc)
            {
                return $"the length trailer of member {_member} says {saysSize} bytes (modulo 2^32), its data has {_length}";
            }
        }

        return _feed.AtEnd
            ? $"member {_member} ends before its CRC32 and length trailer: truncated ({_length} bytes of data read)"
            : $"no CRC32 and length trailer after the data of member {_member} matches it (CRC32 {crc:x8}, {_length} bytes): the data is damaged";
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inflate?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The compressed input: bytes handed back first, then the source; remembers the last chunk the inflater was given.</summary>
    private sealed class Feeder(Stream source) : ReadOnlyStream
    {
        private const int ChunkSize = 1 << 16;
        private readonly byte[] _last = new byte[ChunkSize];
        private byte[] _pending = [];
        private int _pendingAt;
        private int _lastLength;
        private bool _sourceEnded;
        private byte[] _window = [];

        /// <summary>Compressed bytes consumed so far.</summary>
        public long Consumed { get; private set; }

        /// <summary>True when the source has no more bytes and none are pending.</summary>
        public bool AtEnd => _sourceEnded && _pendingAt == _pending.Length;

        public override int Read(Span<byte> buffer)
        {
            int n = RawRead(buffer[..Math.Min(buffer.Length, ChunkSize)]);
            if (n > 0)
            {
                buffer[..n].CopyTo(_last);
                _lastLength = n;
            }

            return n;
        }

        public override int ReadByte()
        {
            Span<byte> one = stackalloc byte[1];
            return RawRead(one) == 1 ? one[0] : -1;
        }

        /// <summary>Skips <paramref name="count"/> header bytes.</summary>
        public void Skip(int count, long member)
        {
            for (int i = 0; i < count; i++)
            {
                if (ReadByte() < 0)
                {
                    throw new InvalidDataException($"the gzip stream ends inside the header of the member at byte {member}");
                }
            }
        }

        /// <summary>Skips a zero-terminated header field.</summary>
        public void SkipPastZero(long member)
        {
            int b;
            while ((b = ReadByte()) != 0)
            {
                if (b < 0)
                {
                    throw new InvalidDataException($"the gzip stream ends inside the header of the member at byte {member}");
                }
            }
        }

        /// <summary>True when every byte left is zero (reads them all).</summary>
        public bool OnlyZerosLeft()
        {
            byte[] block = new byte[ChunkSize];
            int n;
            while ((n = RawRead(block)) > 0)
            {
                if (block.AsSpan(0, n).ContainsAnyExcept((byte)0))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Forgets the last chunk: the inflater's chunks start here.</summary>
        public void StartChunks() => _lastLength = 0;

        /// <summary>The last chunk given out, followed by up to <paramref name="more"/> bytes read ahead.</summary>
        public ReadOnlySpan<byte> LastChunkAndMore(int more)
        {
            _window = new byte[_lastLength + more];
            _last.AsSpan(0, _lastLength).CopyTo(_window);
            int filled = _lastLength;
            int n;
            while (filled < _window.Length && (n = RawRead(_window.AsSpan(filled))) > 0)
            {
                filled += n;
            }

            _window = _window[..filled];
            return _window;
        }

        /// <summary>Goes on right after <paramref name="offset"/> bytes of the window <see cref="LastChunkAndMore"/> gave: the rest is read again.</summary>
        public void ResumeAfter(int offset)
        {
            byte[] leftover = _window[offset..];
            Consumed -= leftover.Length;
            _pending = [.. leftover, .. _pending.AsSpan(_pendingAt)];
            _pendingAt = 0;
            _lastLength = 0;
        }

        private int RawRead(Span<byte> buffer)
        {
            int n;
            if (_pendingAt < _pending.Length)
            {
                n = Math.Min(buffer.Length, _pending.Length - _pendingAt);
                _pending.AsSpan(_pendingAt, n).CopyTo(buffer);
                _pendingAt += n;
            }
            else
            {
                n = _sourceEnded || buffer.IsEmpty ? 0 : source.Read(buffer);
                _sourceEnded |= n == 0 && !buffer.IsEmpty;
            }

            Consumed += n;
            return n;
        }
    }
}
