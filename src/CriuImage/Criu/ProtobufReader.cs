using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>
/// The protobuf wire format (varint, 64-bit, length-delimited, 32-bit fields), enough to read CRIU's
/// amdgpu images without a protobuf runtime. Lengths are checked against the bytes left; every problem is
/// an <see cref="ImageFormatException"/> at its offset.
/// </summary>
internal ref struct ProtobufReader(ReadOnlySpan<byte> buffer, long baseOffset)
{
    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _position;

    public readonly long Offset => baseOffset + _position;

    public readonly bool End => _position == _buffer.Length;

    /// <summary>Reads a field key: its number and wire type.</summary>
    public (uint Field, int WireType) ReadKey()
    {
        long at = Offset;
        ulong key = ReadVarint("a field key");
        uint field = (uint)(key >> 3);
        return field is 0 or > 536_870_911
            ? throw new ImageFormatException(at, $"field number {key >> 3} is not valid")
            : (field, (int)(key & 7));
    }

    public ulong ReadVarint(string what)
    {
        long at = Offset;
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position == _buffer.Length)
            {
                throw new ImageFormatException(at, $"{what} is cut off by the end of its message");
            }

            byte b = _buffer[_position++];
            if (shift == 63 && b > 1)
            {
                throw new ImageFormatException(at, $"{what} is a varint longer than 64 bits");
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new ImageFormatException(at, $"{what} is a varint longer than 10 bytes");
    }

    /// <summary>A length-delimited field's bytes, as a reader of their own (offsets stay absolute).</summary>
    public ProtobufReader ReadMessage(string what)
    {
        long at = Offset;
        ulong length = ReadVarint($"the length of {what}");
        if (length > (ulong)(_buffer.Length - _position))
        {
            throw new ImageFormatException(at, $"{what} declares {length} bytes, but only {_buffer.Length - _position} are left");
        }

        var inner = new ProtobufReader(_buffer.Slice(_position, (int)length), Offset);
        _position += (int)length;
        return inner;
    }

    /// <summary>Skips a field of an unknown number.</summary>
    public void Skip(int wireType, uint field)
    {
        long at = Offset;
        int size = wireType switch
        {
            0 => -1,
            1 => 8,
            2 => -2,
            5 => 4,
            _ => throw new ImageFormatException(at, $"field {field} has wire type {wireType}, which proto2 messages of CRIU do not use"),
        };
        if (size == -1)
        {
            ReadVarint($"field {field}");
        }
        else if (size == -2)
        {
            ReadMessage($"field {field}");
        }
        else if (_buffer.Length - _position < size)
        {
            throw new ImageFormatException(at, $"field {field} is cut off by the end of its message");
        }
        else
        {
            _position += size;
        }
    }
}
