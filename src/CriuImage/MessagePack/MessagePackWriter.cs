using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace CriuImage.MessagePack;

/// <summary>
/// Writes MessagePack values in their shortest form into a span the caller sized (the largest record
/// of this format is known in advance, so the hot path checks capacity once per record, not per value).
/// </summary>
internal ref struct MessagePackWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    /// <summary>Creates a writer that fills <paramref name="buffer"/> from its start.</summary>
    public MessagePackWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Written => _position;

    /// <summary>Largest encoding of one unsigned integer.</summary>
    public const int MaxUInt64Length = 9;

    /// <summary>Writes an unsigned integer in the shortest of positive fixint, uint 8, 16, 32 and 64.</summary>
    public void WriteUInt64(ulong value)
    {
        Span<byte> rest = _buffer[_position..];
        if (value <= MessagePackCode.MaxPositiveFixInt)
        {
            rest[0] = (byte)value;
            _position += 1;
        }
        else if (value <= byte.MaxValue)
        {
            rest[1] = (byte)value;
            rest[0] = MessagePackCode.UInt8;
            _position += 2;
        }
        else if (value <= ushort.MaxValue)
        {
            BinaryPrimitives.WriteUInt16BigEndian(rest.Slice(1, 2), (ushort)value);
            rest[0] = MessagePackCode.UInt16;
            _position += 3;
        }
        else if (value <= uint.MaxValue)
        {
            BinaryPrimitives.WriteUInt32BigEndian(rest.Slice(1, 4), (uint)value);
            rest[0] = MessagePackCode.UInt32;
            _position += 5;
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(rest.Slice(1, 8), value);
            rest[0] = MessagePackCode.UInt64;
            _position += 9;
        }
    }

    /// <summary>
    /// Writes an unsigned integer in its shortest form at <paramref name="destination"/> without bounds checks;
    /// the caller guarantees <see cref="MaxUInt64Length"/> writable bytes. Returns the bytes written.
    /// </summary>
    public static int WriteUInt64Unchecked(ref byte destination, ulong value)
    {
        if (value <= MessagePackCode.MaxPositiveFixInt)
        {
            destination = (byte)value;
            return 1;
        }

        if (value <= byte.MaxValue)
        {
            destination = MessagePackCode.UInt8;
            Unsafe.Add(ref destination, 1) = (byte)value;
            return 2;
        }

        if (value <= ushort.MaxValue)
        {
            destination = MessagePackCode.UInt16;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 1), BigEndian((ushort)value));
            return 3;
        }

        if (value <= uint.MaxValue)
        {
            destination = MessagePackCode.UInt32;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 1), BigEndian((uint)value));
            return 5;
        }

        destination = MessagePackCode.UInt64;
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 1), BigEndian(value));
        return 9;
    }

    private static ushort BigEndian(ushort value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    private static uint BigEndian(uint value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    private static ulong BigEndian(ulong value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    /// <summary>Writes nil.</summary>
    public void WriteNil() => _buffer[_position++] = MessagePackCode.Nil;

    /// <summary>Writes a bool.</summary>
    public void WriteBoolean(bool value) => _buffer[_position++] = value ? MessagePackCode.True : MessagePackCode.False;

    /// <summary>Writes an array header for <paramref name="count"/> elements.</summary>
    public void WriteArrayHeader(uint count) =>
        WriteHeader(count, MessagePackCode.MinFixArray, 15, 0, MessagePackCode.Array16, MessagePackCode.Array32);

    /// <summary>Writes a map header for <paramref name="count"/> entries.</summary>
    public void WriteMapHeader(uint count) =>
        WriteHeader(count, MessagePackCode.MinFixMap, 15, 0, MessagePackCode.Map16, MessagePackCode.Map32);

    /// <summary>Writes a str from UTF-8 bytes.</summary>
    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        WriteHeader((uint)utf8.Length, MessagePackCode.MinFixStr, 31, MessagePackCode.Str8, MessagePackCode.Str16, MessagePackCode.Str32);
        utf8.CopyTo(_buffer[_position..]);
        _position += utf8.Length;
    }

    /// <summary>Writes a str, encoding <paramref name="value"/> as UTF-8.</summary>
    public void WriteString(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        WriteHeader((uint)length, MessagePackCode.MinFixStr, 31, MessagePackCode.Str8, MessagePackCode.Str16, MessagePackCode.Str32);
        _position += Encoding.UTF8.GetBytes(value, _buffer[_position..]);
    }

    /// <summary>Writes a bin value.</summary>
    public void WriteBinary(scoped ReadOnlySpan<byte> bytes)
    {
        WriteHeader((uint)bytes.Length, 0, 0, MessagePackCode.Bin8, MessagePackCode.Bin16, MessagePackCode.Bin32);
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
    }

    /// <summary>The shortest length header: fix form up to <paramref name="fixMax"/> (none when <paramref name="fixMin"/> is 0), then 8/16/32-bit forms.</summary>
    private void WriteHeader(uint length, byte fixMin, uint fixMax, byte code8, byte code16, byte code32)
    {
        Span<byte> rest = _buffer[_position..];
        if (fixMin != 0 && length <= fixMax)
        {
            rest[0] = (byte)(fixMin + length);
            _position += 1;
        }
        else if (code8 != 0 && length <= byte.MaxValue)
        {
            rest[1] = (byte)length;
            rest[0] = code8;
            _position += 2;
        }
        else if (length <= ushort.MaxValue)
        {
            BinaryPrimitives.WriteUInt16BigEndian(rest.Slice(1, 2), (ushort)length);
            rest[0] = code16;
            _position += 3;
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(rest.Slice(1, 4), length);
            rest[0] = code32;
            _position += 5;
        }
    }
}
