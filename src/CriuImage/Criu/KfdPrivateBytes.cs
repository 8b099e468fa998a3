using System.Buffers.Binary;
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

    private const string What = "its private data";

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
    public Reader Open() => new(Window(Reader.WindowBytes), InFile ? _offset : 0, Length);

    /// <summary>Every byte, a piece at a time (at most <see cref="WireWindow.WindowBytes"/> a call, in one buffer reused: a piece is gone when the call returns), in order.</summary>
    public void ForEachPiece(Action<ReadOnlyMemory<byte>> piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (!InFile)
        {
            piece(_held);
            return;
        }

        WireWindow file = Window(WireWindow.WindowBytes);
        for (long at = 0; at < Length; at += WireWindow.WindowBytes)
        {
            piece(file.Again(_offset + at, (int)Math.Min(WireWindow.WindowBytes, Length - at), What));
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

    /// <summary>The file (or memory) the bytes are read from, <paramref name="windowBytes"/> at a time; it ends where they do.</summary>
    private WireWindow Window(int windowBytes) => _handle is null ? WireWindow.Of(_held) : WireWindow.Over(_handle, _offset + Length, windowBytes, _owner);

    /// <summary>
    /// One walk's reads: little-endian words at offsets of the private data, from the memory or from a window of the
    /// file (the kernel's walk goes forward through the BO records, so one window serves many reads).
    /// </summary>
    public sealed class Reader
    {
        /// <summary>Bytes of the file a walk reads at once.</summary>
        internal const int WindowBytes = 1 << 16;

        private readonly WireWindow _file;
        private readonly long _offset;

        internal Reader(WireWindow file, long offset, long length)
        {
            _file = file;
            _offset = offset;
            Length = length;
        }

        /// <summary>The private data's length in bytes.</summary>
        public long Length { get; }

        /// <summary>The little-endian u32 at <paramref name="at"/> (the caller has checked it lies inside).</summary>
        public uint U32(ulong at) => BinaryPrimitives.ReadUInt32LittleEndian(_file.Again(_offset + (long)at, 4, What).Span);

        /// <summary>The little-endian u64 at <paramref name="at"/> (the caller has checked it lies inside).</summary>
        public ulong U64(ulong at) => BinaryPrimitives.ReadUInt64LittleEndian(_file.Again(_offset + (long)at, 8, What).Span);
    }
}
