using System.Buffers.Binary;
using System.Text;
using CriuImage.Diagnostics;

namespace CriuImage.MessagePack;

/// <summary>
/// Reads MessagePack values from one contiguous buffer (a frame's payload, already CRC-checked). Every
/// malformed value throws <see cref="ImageFormatException"/> at the value's absolute byte offset; a failed
/// read leaves the reader where it was. Declared lengths are checked against the bytes left before use.
/// </summary>
internal ref struct MessagePackReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly long _baseOffset;
    private readonly long? _frame;
    private int _position;

    /// <summary>Creates a reader over <paramref name="buffer"/>, whose first byte is at <paramref name="baseOffset"/> in the file.</summary>
    public MessagePackReader(ReadOnlySpan<byte> buffer, long baseOffset, long? frame)
    {
        _buffer = buffer;
        _baseOffset = baseOffset;
        _frame = frame;
        _position = 0;
    }

    /// <summary>Offset in the file of the next byte to read.</summary>
    public readonly long Offset => _baseOffset + _position;

    /// <summary>Bytes consumed from the start of the buffer.</summary>
    public readonly int Consumed => _position;

    /// <summary>True when every byte of the buffer has been read.</summary>
    public readonly bool End => _position == _buffer.Length;

    /// <summary>The bytes not read yet, for fast paths that decode a whole value at once.</summary>
    public readonly ReadOnlySpan<byte> Remaining => _buffer[_position..];

    /// <summary>The format byte of the next value, or -1 at the end of the buffer.</summary>
    public readonly int PeekCode => _position < _buffer.Length ? _buffer[_position] : -1;

    /// <summary>Moves past <paramref name="count"/> bytes a fast path has decoded.</summary>
    public void Advance(int count) => _position += count;

    /// <summary>Reads a non-negative integer of any width and format.</summary>
    public ulong ReadUInt64(string what)
    {
        DecodeResult result = MessagePackPrimitives.TryReadUInt64(Remaining, out ulong value, out int consumed);
        Check(result, what, "an unsigned integer");
        _position += consumed;
        return value;
    }

    /// <summary>Reads a non-negative integer and checks that it is at most <paramref name="max"/>.</summary>
    public ulong ReadUInt64(string what, ulong max)
    {
        long start = Offset;
        ulong value = ReadUInt64(what);
        if (value > max)
        {
            _position -= (int)(Offset - start);
            throw Error($"{what} is {value}, more than its largest allowed value {max}");
        }

        return value;
    }

    /// <summary>Reads an unsigned integer that must fit in 32 bits.</summary>
    public uint ReadUInt32(string what) => (uint)ReadUInt64(what, uint.MaxValue);

    /// <summary>Consumes a nil and returns true, or returns false and consumes nothing.</summary>
    public bool TryReadNil()
    {
        if (_position < _buffer.Length && _buffer[_position] == MessagePackCode.Nil)
        {
            _position++;
            return true;
        }

        return false;
    }

    /// <summary>Reads a bool.</summary>
    public bool ReadBoolean(string what)
    {
        DecodeResult result = MessagePackPrimitives.TryReadBoolean(Remaining, out bool value, out int consumed);
        Check(result, what, "a bool");
        _position += consumed;
        return value;
    }

    /// <summary>Reads an array header; the count is checked against the bytes left (each element takes one at least).</summary>
    public int ReadArrayHeader(string what)
    {
        DecodeResult result = MessagePackPrimitives.TryReadArrayHeader(Remaining, out uint count, out int consumed);
        Check(result, what, "an array");
        CheckCount(count, 1, consumed, what, "elements");
        _position += consumed;
        return (int)count;
    }

    /// <summary>Reads a map header; the count is checked against the bytes left (each entry takes two at least).</summary>
    public int ReadMapHeader(string what)
    {
        DecodeResult result = MessagePackPrimitives.TryReadMapHeader(Remaining, out uint count, out int consumed);
        Check(result, what, "a map");
        CheckCount(count, 2, consumed, what, "entries");
        _position += consumed;
        return (int)count;
    }

    /// <summary>Reads a str and returns its UTF-8 bytes, checked to be at most <paramref name="maxBytes"/> long.</summary>
    public ReadOnlySpan<byte> ReadStringBytes(string what, int maxBytes)
    {
        DecodeResult result = MessagePackPrimitives.TryReadStringHeader(Remaining, out uint length, out int consumed);
        Check(result, what, "a str");
        if (length > maxBytes)
        {
            throw Error($"{what} is a str of {length} bytes, longer than the limit of {maxBytes}");
        }

        CheckCount(length, 1, consumed, what, "bytes");
        ReadOnlySpan<byte> bytes = _buffer.Slice(_position + consumed, (int)length);
        _position += consumed + (int)length;
        return bytes;
    }

    /// <summary>Reads a str of valid UTF-8, at most <paramref name="maxBytes"/> long.</summary>
    public string ReadString(string what, int maxBytes)
    {
        long start = Offset;
        ReadOnlySpan<byte> bytes = ReadStringBytes(what, maxBytes);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            _position = (int)(start - _baseOffset);
            throw Error($"{what} is not valid UTF-8");
        }
    }

    /// <summary>Reads a bin value and returns its bytes.</summary>
    public ReadOnlySpan<byte> ReadBinary(string what)
    {
        DecodeResult result = MessagePackPrimitives.TryReadBinaryHeader(Remaining, out uint length, out int consumed);
        Check(result, what, "a bin");
        CheckCount(length, 1, consumed, what, "bytes");
        ReadOnlySpan<byte> bytes = _buffer.Slice(_position + consumed, (int)length);
        _position += consumed + (int)length;
        return bytes;
    }

    /// <summary>Skips one complete value of any MessagePack type, nesting at most <paramref name="maxDepth"/> levels.</summary>
    public void Skip(string what, int maxDepth)
    {
        long start = Offset;
        int position = _position;
        if (!TrySkip(ref position, maxDepth, out string? problem))
        {
            throw ErrorAt(start, $"{what}: {problem}");
        }

        _position = position;
    }

    /// <summary>An <see cref="ImageFormatException"/> at the current position.</summary>
    public readonly ImageFormatException Error(string detail) => new(Offset, detail, _frame);

    /// <summary>An <see cref="ImageFormatException"/> at <paramref name="offset"/> in this reader's frame.</summary>
    public readonly ImageFormatException ErrorAt(long offset, string detail) => new(offset, detail, _frame);

    private bool TrySkip(ref int position, int depth, out string? problem)
    {
        problem = null;
        if (position >= _buffer.Length)
        {
            problem = "the payload ends inside a value";
            return false;
        }

        if (depth < 0)
        {
            problem = "values are nested too deeply";
            return false;
        }

        ReadOnlySpan<byte> rest = _buffer[position..];
        byte code = rest[0];
        long elements = 0;
        long bytes;
        int head;
        switch (code)
        {
            case <= MessagePackCode.MaxPositiveFixInt or >= MessagePackCode.MinNegativeFixInt or MessagePackCode.Nil or MessagePackCode.False or MessagePackCode.True:
                head = 1; bytes = 0; break;
            case <= MessagePackCode.MaxFixMap:
                head = 1; bytes = 0; elements = 2L * (code - MessagePackCode.MinFixMap); break;
            case <= MessagePackCode.MaxFixArray:
                head = 1; bytes = 0; elements = code - MessagePackCode.MinFixArray; break;
            case <= MessagePackCode.MaxFixStr:
                head = 1; bytes = code - MessagePackCode.MinFixStr; break;
            case MessagePackCode.UInt8 or MessagePackCode.Int8: head = 1; bytes = 1; break;
            case MessagePackCode.UInt16 or MessagePackCode.Int16: head = 1; bytes = 2; break;
            case MessagePackCode.UInt32 or MessagePackCode.Int32 or 0xca: head = 1; bytes = 4; break;
            case MessagePackCode.UInt64 or MessagePackCode.Int64 or 0xcb: head = 1; bytes = 8; break;
            case 0xd4: head = 2; bytes = 1; break;
            case 0xd5: head = 2; bytes = 2; break;
            case 0xd6: head = 2; bytes = 4; break;
            case 0xd7: head = 2; bytes = 8; break;
            case 0xd8: head = 2; bytes = 16; break;
            case MessagePackCode.Bin8 or MessagePackCode.Str8: head = 2; bytes = LengthAt(rest, 1); break;
            case MessagePackCode.Bin16 or MessagePackCode.Str16: head = 3; bytes = LengthAt(rest, 2); break;
            case MessagePackCode.Bin32 or MessagePackCode.Str32: head = 5; bytes = LengthAt(rest, 4); break;
            case 0xc7: head = 3; bytes = LengthAt(rest, 1); break;
            case 0xc8: head = 4; bytes = LengthAt(rest, 2); break;
            case 0xc9: head = 6; bytes = LengthAt(rest, 4); break;
            case MessagePackCode.Array16: head = 3; bytes = 0; elements = LengthAt(rest, 2); break;
            case MessagePackCode.Array32: head = 5; bytes = 0; elements = LengthAt(rest, 4); break;
            case MessagePackCode.Map16: head = 3; bytes = 0; elements = 2 * LengthAt(rest, 2); break;
            case MessagePackCode.Map32: head = 5; bytes = 0; elements = 2 * LengthAt(rest, 4); break;
            default:
                problem = "found the never-used byte 0xc1";
                return false;
        }

        if (bytes < 0 || head + bytes > rest.Length || elements > rest.Length - head)
        {
            problem = "a length runs past the end of the payload";
            return false;
        }

        position += head + (int)bytes;
        for (long i = 0; i < elements; i++)
        {
            if (!TrySkip(ref position, depth - 1, out problem))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The big-endian length of <paramref name="size"/> bytes after the format byte, or -1 when the buffer is too short.</summary>
    private static long LengthAt(ReadOnlySpan<byte> rest, int size)
    {
        if (rest.Length < 1 + size)
        {
            return -1;
        }

        ReadOnlySpan<byte> body = rest.Slice(1, size);
        return size switch
        {
            1 => body[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(body),
            _ => BinaryPrimitives.ReadUInt32BigEndian(body),
        };
    }

    private readonly void CheckCount(uint count, int minBytesEach, int headerBytes, string what, string unit)
    {
        // Protects against corrupted or mischievous lengths (CWE-789): nothing is sized by a count
        // that the bytes actually present cannot back.
        long available = _buffer.Length - _position - headerBytes;
        if ((long)count * minBytesEach > available)
        {
            throw Error($"{what} declares {count} {unit}, but only {available} bytes are left in the payload");
        }
    }

    private readonly void Check(DecodeResult result, string what, string expected)
    {
        switch (result)
        {
            case DecodeResult.Success:
                return;
            case DecodeResult.InsufficientBuffer:
                throw Error(_position < _buffer.Length
                    ? $"{what} is cut off by the end of the payload"
                    : $"expected {what} as {expected}, but the payload ends here");
            default:
                byte code = _buffer[_position];
                throw Error($"expected {what} as {expected}, found {DescribeFound(code)}");
        }
    }

    private readonly string DescribeFound(byte code)
    {
        if (code is MessagePackCode.Int8 or MessagePackCode.Int16 or MessagePackCode.Int32 or MessagePackCode.Int64 or >= MessagePackCode.MinNegativeFixInt)
        {
            return $"a negative integer (0x{code:x2})";
        }

        return $"{MessagePackCode.Describe(code)} (0x{code:x2})";
    }
}
