using CriuImage.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.Criu;

/// <summary>
/// The bytes of one CRIU message file as its readers walk them: the whole file where it is held in memory, or a
/// window of it read by position from a descriptor (a file named on the command line, a spool of standard input),
/// so that a render node of 10^6 BOs (46 MB) is never held whole. The top level of a message is walked one field at
/// a time (<see cref="Field"/>): each field is inside the window before a reader sees it, so every offset and every
/// error is the one a walk of the whole file gives.
/// </summary>
internal sealed class WireWindow
{
    /// <summary>Bytes read at once from a descriptor; a field longer than this (an entry of many mappings) gets a window of its own size.</summary>
    internal const int WindowBytes = 1 << 20;

    /// <summary>A field's key and length: two varints of at most 10 bytes each.</summary>
    private const int FieldHeadBytes = 20;

    private readonly ReadOnlyMemory<byte> _whole;
    private readonly SafeFileHandle? _handle;
    private readonly object? _owner;
    private readonly int _windowBytes;
    private byte[] _buffer = [];
    private long _start;
    private int _count;

    private WireWindow(ReadOnlyMemory<byte> whole, SafeFileHandle? handle, long length, int windowBytes, object? owner = null)
    {
        _whole = whole;
        _handle = handle;
        _owner = owner;
        Length = length;
        _windowBytes = windowBytes;
    }

    /// <summary>The file's length in bytes.</summary>
    public long Length { get; }

    /// <summary>A file held whole in memory.</summary>
    public static WireWindow Of(ReadOnlyMemory<byte> file) => new(file, null, file.Length, 0);

    /// <summary>
    /// A file read by position from <paramref name="handle"/> (left open), <paramref name="length"/> bytes long,
    /// <paramref name="windowBytes"/> at a time (tests cut fields at every byte with small windows). Bytes read again
    /// later (<see cref="Later"/>) come from the handle, kept open by <paramref name="owner"/> (the stream it belongs to,
    /// held as long as they are) or by themselves.
    /// </summary>
    public static WireWindow Over(SafeFileHandle handle, long length, int windowBytes = WindowBytes, object? owner = null)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowBytes, 1);
        return new(ReadOnlyMemory<byte>.Empty, handle, length, windowBytes, owner);
    }

    /// <summary>Another window on the same file (the same memory or descriptor), for a walk of its own.</summary>
    public WireWindow Again() => new(_whole, _handle, Length, _windowBytes);

    /// <summary>The file's first bytes, up to <paramref name="count"/>.</summary>
    public ReadOnlySpan<byte> Head(int count) => Bytes(0, Length, count);

    /// <summary>
    /// A reader at <paramref name="offset"/> whose bytes hold the whole next field of a message that ends at
    /// <paramref name="end"/> (or run to that end): a field that would overrun the message gets a reader that says so
    /// with the count of bytes the message has left, without reading them.
    /// </summary>
    public ProtobufReader Field(long offset, long end)
    {
        ReadOnlySpan<byte> bytes = Bytes(offset, end, FieldHeadBytes);
        if (_handle is null || offset + bytes.Length == end || !TryLengthDelimited(bytes, out int headLength, out ulong length))
        {
            return new ProtobufReader(bytes, offset);
        }

        long left = end - offset - headLength;
        if (length > (ulong)left)
        {
            return new ProtobufReader(bytes, offset, end - offset - bytes.Length);
        }

        return new ProtobufReader(Bytes(offset, end, headLength + (int)length), offset);
    }

    /// <summary>
    /// A reader at <paramref name="offset"/> over the next field's key and length (or varint) only, with the count of
    /// the message's bytes past them: for a field whose bytes are not read here (<see cref="ProtobufReader.ReadLength"/>).
    /// </summary>
    public ProtobufReader FieldHead(long offset, long end)
    {
        ReadOnlySpan<byte> bytes = Bytes(offset, end, FieldHeadBytes);
        if (_handle is not null && bytes.Length > FieldHeadBytes)
        {
            bytes = bytes[..FieldHeadBytes];
        }

        return new ProtobufReader(bytes, offset, Math.Min(end, Length) - offset - bytes.Length);
    }

    /// <summary>Where <paramref name="length"/> bytes at <paramref name="offset"/> can be read again after this read: the memory, or the descriptor.</summary>
    internal KfdPrivateBytes Later(long offset, long length) =>
        _handle is null ? KfdPrivateBytes.Of(_whole.Slice((int)offset, (int)length)) : KfdPrivateBytes.At(_handle, offset, length, _owner);

    /// <summary>A copy of <paramref name="length"/> bytes at <paramref name="offset"/> (a slice where the file is held whole).</summary>
    public ReadOnlyMemory<byte> Slice(long offset, int length)
    {
        if (_handle is null)
        {
            return _whole.Slice((int)offset, length);
        }

        if (offset >= _start && offset + length <= _start + _count)
        {
            return _buffer.AsMemory((int)(offset - _start), length).ToArray();
        }

        byte[] bytes = new byte[length];
        return bytes.AsMemory(0, Read(offset, bytes));
    }

    /// <summary>
    /// Exactly <paramref name="count"/> bytes at <paramref name="offset"/>, which the first read of the file found there
    /// (bytes read again later, as the private data of a KFD image): a file that now ends sooner changed since, said at
    /// the byte where it ends. In the window's buffer (or the memory), valid until the next read.
    /// </summary>
    /// <exception cref="ImageFormatException">The file ends before them, or cannot be read.</exception>
    internal ReadOnlyMemory<byte> Again(long offset, int count, string what)
    {
        ReadOnlyMemory<byte> bytes = Memory(offset, Length, count);
        if (bytes.Length < count)
        {
            throw new ImageFormatException(offset + bytes.Length, $"the file ends inside {what}, which it held when it was first read: it changed while being read");
        }

        return bytes[..count];
    }

    /// <summary>Bytes from <paramref name="offset"/>: at least <paramref name="need"/> of them, or all up to <paramref name="end"/>, and never past it.</summary>
    private ReadOnlySpan<byte> Bytes(long offset, long end, int need) => Memory(offset, end, need).Span;

    /// <summary>As <see cref="Bytes"/>, as memory.</summary>
    private ReadOnlyMemory<byte> Memory(long offset, long end, int need)
    {
        end = Math.Min(end, Length);
        if (_handle is null)
        {
            return _whole[(int)offset..(int)end];
        }

        long want = Math.Min(end - offset, need);
        if (offset < _start || offset + want > _start + _count)
        {
            Fill(offset, (int)Math.Min(end - offset, Math.Max(_windowBytes, want)));
        }

        int from = (int)(offset - _start);
        return _buffer.AsMemory(from, (int)Math.Min(_count - from, end - offset));
    }

    /// <summary>Reads <paramref name="size"/> bytes at <paramref name="offset"/> into the window (fewer if the file ended sooner).</summary>
    private void Fill(long offset, int size)
    {
        if (_buffer.Length < size)
        {
            _buffer = new byte[Math.Max(size, (int)Math.Min(_windowBytes, Length))];
        }

        _count = Read(offset, _buffer.AsSpan(0, size));
        _start = offset;
    }

    /// <summary>Reads <paramref name="into"/> from <paramref name="offset"/>; the count read, short where the file ends sooner.</summary>
    private int Read(long offset, Span<byte> into)
    {
        int count = 0;
        try
        {
            while (count < into.Length)
            {
                int n = RandomAccess.Read(_handle!, into[count..], offset + count);
                if (n == 0)
                {
                    break;
                }

                count += n;
            }
        }
        catch (IOException e)
        {
            throw new ImageFormatException(offset + count, $"the file cannot be read here: {IO.IoMessages.Of(e)}");
        }

        return count;
    }

    /// <summary>The key and length of a length-delimited field at the start of <paramref name="bytes"/>; false for any other field, or a varint that does not end.</summary>
    private static bool TryLengthDelimited(ReadOnlySpan<byte> bytes, out int headLength, out ulong length)
    {
        headLength = 0;
        length = 0;
        return TryVarint(bytes, ref headLength, out ulong key) && (key & 7) == 2 && TryVarint(bytes, ref headLength, out length);
    }

    private static bool TryVarint(ReadOnlySpan<byte> bytes, ref int at, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && at < bytes.Length; shift += 7)
        {
            byte b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
