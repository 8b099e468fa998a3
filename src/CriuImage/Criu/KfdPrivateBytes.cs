using System.Buffers.Binary;
using CriuImage.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.Criu;

/// <summary>
/// A KFD image's <c>priv_data</c> (field 10) where it lies: in memory, or in the file at an offset, read again by
/// position each time the kernel's walk is replayed. A 6.12+ checkpoint writes 272 bytes of it a BO (272 MB at 10^6
/// BOs), so an image read from a descriptor keeps only where the bytes are.
/// </summary>
internal sealed class KfdPrivateBytes
{
    private readonly ReadOnlyMemory<byte> _held;
    private readonly SafeFileHandle? _handle;
    private readonly long _offset;

    /// <summary>What keeps <see cref="_handle"/> open (the stream it belongs to): held so that it is not finalized while the bytes are read.</summary>
    private readonly object? _owner;

    private KfdPrivateBytes(ReadOnlyMemory<byte> held, SafeFileHandle? handle, long offset, long length, object? owner = null)
    {
        _owner = owner;
        _held = held;
        _handle = handle;
        _offset = offset;
        Length = length;
    }

    /// <summary>No private data.</summary>
    public static KfdPrivateBytes Empty { get; } = new(ReadOnlyMemory<byte>.Empty, null, 0, 0);

    /// <summary>The bytes' count.</summary>
    public long Length { get; }

    /// <summary>True when the bytes are read from a file rather than held.</summary>
    public bool InFile => _handle is not null;

    /// <summary>Bytes held in memory.</summary>
    public static KfdPrivateBytes Of(ReadOnlyMemory<byte> held) => held.IsEmpty ? Empty : new(held, null, 0, held.Length);

    /// <summary><paramref name="length"/> bytes at <paramref name="offset"/> of a descriptor kept open while they are (by <paramref name="owner"/>, the stream it belongs to, where it has one).</summary>
    public static KfdPrivateBytes At(SafeFileHandle handle, long offset, long length, object? owner) => new(ReadOnlyMemory<byte>.Empty, handle, offset, length, owner);

    /// <summary>A reader of the bytes for one walk.</summary>
    public Reader Open() => new(this, _handle);

    /// <summary>Every byte, a piece at a time (at most <see cref="WireWindow.WindowBytes"/> a call, in one buffer reused: a piece is gone when the call returns), in order.</summary>
    public void ForEachPiece(Action<ReadOnlyMemory<byte>> piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (!InFile)
        {
            piece(_held);
            return;
        }

        Reader reader = Open();
        byte[] buffer = new byte[(int)Math.Min(WireWindow.WindowBytes, Length)];
        for (long at = 0; at < Length; at += buffer.Length)
        {
            int count = (int)Math.Min(buffer.Length, Length - at);
            reader.Fill(at, buffer.AsSpan(0, count));
            piece(buffer.AsMemory(0, count));
        }
    }

    /// <summary>A copy of every byte (what <see cref="CriuKfd.PrivData"/> hands a caller that asks for them).</summary>
    public ReadOnlyMemory<byte> ToMemory()
    {
        if (!InFile)
        {
            return _held;
        }

        byte[] all = new byte[Length];
        long at = 0;
        ForEachPiece(piece =>
        {
            piece.Span.CopyTo(all.AsSpan((int)at));
            at += piece.Length;
        });
        return all;
    }

    /// <summary>
    /// One walk's reads: little-endian words at offsets of the private data, from the memory or from a window of the
    /// file (the kernel's walk goes forward through the BO records, so one window serves many reads).
    /// </summary>
    public sealed class Reader
    {
        private const int Window = 1 << 16;
        private readonly KfdPrivateBytes _bytes;
        private readonly SafeFileHandle? _handle;
        private byte[] _window = [];
        private long _start;
        private int _count;

        internal Reader(KfdPrivateBytes bytes, SafeFileHandle? handle)
        {
            _bytes = bytes;
            _handle = handle;
        }

        /// <summary>The private data's length in bytes.</summary>
        public long Length => _bytes.Length;

        /// <summary>The little-endian u32 at <paramref name="at"/> (the caller has checked it lies inside).</summary>
        public uint U32(ulong at) => BinaryPrimitives.ReadUInt32LittleEndian(Span(at, 4));

        /// <summary>The little-endian u64 at <paramref name="at"/> (the caller has checked it lies inside).</summary>
        public ulong U64(ulong at) => BinaryPrimitives.ReadUInt64LittleEndian(Span(at, 8));

        private ReadOnlySpan<byte> Span(ulong at, int count)
        {
            if (_handle is null)
            {
                return _bytes._held.Span.Slice((int)at, count);
            }

            long from = (long)at;
            if (from < _start || from + count > _start + _count)
            {
                if (_window.Length == 0)
                {
                    _window = new byte[(int)Math.Min(Window, Math.Max(_bytes.Length, count))];
                }

                _count = (int)Math.Min(_window.Length, _bytes.Length - from);
                Fill(from, _window.AsSpan(0, _count));
                _start = from;
            }

            return _window.AsSpan((int)(from - _start), count);
        }

        /// <summary>Reads <paramref name="into"/> from <paramref name="at"/>: all of it, or the file changed since it was read and that is said at its byte.</summary>
        internal void Fill(long at, Span<byte> into)
        {
            long offset = _bytes._offset + at;
            int count = 0;
            try
            {
                while (count < into.Length)
                {
                    int n = RandomAccess.Read(_handle!, into[count..], offset + count);
                    if (n == 0)
                    {
                        throw new ImageFormatException(offset + count, "the file ends inside its private data, which it held when it was first read: it changed while being read");
                    }

                    count += n;
                }
            }
            catch (IOException e)
            {
                throw new ImageFormatException(offset + count, $"the file cannot be read here: {IO.IoMessages.Of(e)}");
            }
        }
    }
}
