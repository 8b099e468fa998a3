using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>
/// The protobuf wire format (varint, 64-bit, length-delimited, 32-bit fields), enough to read CRIU's
/// amdgpu images without a protobuf runtime. Lengths are checked against the bytes left; every problem is
/// an <see cref="ImageFormatException"/> at its offset. Fields are named by number and a constant name,
/// and a message is written only when something is wrong: reading a field allocates nothing.
/// <paramref name="beyond"/> counts the message's bytes past <paramref name="buffer"/> when only a field's head is
/// in memory (<see cref="WireWindow"/>): a length that overruns the message is then said with the bytes truly left.
/// </summary>
internal ref struct ProtobufReader(ReadOnlySpan<byte> buffer, long baseOffset, long beyond = 0)
{
    private const int MaxVarintBytes = 10;

    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _position;

    public readonly long Offset => baseOffset + _position;

    public readonly bool End => _position == _buffer.Length;

    /// <summary>Reads a field key: its number and wire type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (uint Field, int WireType) ReadKey()
    {
        int at = _position;
        ulong key = ReadVarint(0, null);
        uint field = (uint)(key >> 3);
        if (field is 0 or > 536_870_911)
        {
            ThrowBadNumber(baseOffset + at, key);
        }

        return (field, (int)(key & 7));
    }

    /// <summary>Reads the varint of field <paramref name="field"/> (<paramref name="name"/>: its .proto name, or null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadVarint(uint field, string? name)
    {
        int position = _position;
        if ((uint)position < (uint)_buffer.Length)
        {
            byte first = _buffer[position];
            if (first < 0x80)
            {
                _position = position + 1;
                return first;
            }

            if (_buffer.Length - position >= MaxVarintBytes)
            {
                return ReadVarintLong(field, name);
            }
        }

        return ReadVarintSlow(field, name);
    }

    /// <summary>
    /// A varint of two bytes or more with at least ten bytes left, so no byte of it can lie past the end: read
    /// without a bounds check per byte. CRIU's addresses, sizes and handles are 2 to 6 bytes long, and the code
    /// must be fast without a profile (NativeAOT has no dynamic PGO to find that out).
    /// </summary>
    private ulong ReadVarintLong(uint field, string? name)
    {
        ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), _position);
        ulong value = (ulong)(at & 0x7F);
        for (int i = 1; i < MaxVarintBytes - 1; i++)
        {
            ulong b = Unsafe.Add(ref at, i);
            value |= (b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                _position += i + 1;
                return value;
            }
        }

        // A tenth byte, which may only hold the 64th bit: the general path reads it, or says what is wrong.
        return ReadVarintSlow(field, name);
    }

    /// <summary>A length-delimited field's bytes, as a reader of their own (offsets stay absolute).</summary>
    public ProtobufReader ReadMessage(uint field, string? name)
    {
        long at = Offset;
        ulong length = ReadVarint(field, name);
        if (length > (ulong)(_buffer.Length - _position))
        {
            throw new ImageFormatException(at, $"{Describe(field, name)} declares {length} bytes, but only {_buffer.Length - _position + beyond} are left");
        }

        var inner = new ProtobufReader(_buffer.Slice(_position, (int)length), Offset);
        _position += (int)length;
        return inner;
    }

    /// <summary>
    /// A length-delimited field's length, checked against the message's bytes left as <see cref="ReadMessage"/> checks
    /// it, without its bytes (a field whose bytes are read later by position): where they start and how many.
    /// </summary>
    public (long At, ulong Length) ReadLength(uint field, string? name)
    {
        long at = Offset;
        ulong length = ReadVarint(field, name);
        long left = _buffer.Length - _position + beyond;
        if (length > (ulong)left)
        {
            throw new ImageFormatException(at, $"{Describe(field, name)} declares {length} bytes, but only {left} are left");
        }

        return (Offset, length);
    }

    /// <summary>Skips a field's value, of any wire type proto2 has.</summary>
    public void Skip(int wireType, uint field)
    {
        long at = Offset;
        switch (wireType)
        {
            case 0:
                ReadVarint(field, null);
                break;
            case 2:
                ReadMessage(field, null);
                break;
            case 1 or 5:
                int size = wireType == 1 ? 8 : 4;
                if (_buffer.Length - _position < size)
                {
                    throw new ImageFormatException(at, $"field {field} is cut off by the end of its message");
                }

                _position += size;
                break;
            default:
                throw new ImageFormatException(at, $"field {field} has wire type {wireType}, which proto2 messages of CRIU do not use");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong ReadVarintSlow(uint field, string? name)
    {
        long at = Offset;
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position == _buffer.Length)
            {
                throw new ImageFormatException(at, $"{Describe(field, name)} is cut off by the end of its message");
            }

            byte b = _buffer[_position++];
            if (shift == 63 && b > 1)
            {
                throw new ImageFormatException(at, $"{Describe(field, name)} is a varint longer than 64 bits");
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new ImageFormatException(at, $"{Describe(field, name)} is a varint longer than 10 bytes");
    }

    private static string Describe(uint field, string? name) =>
        field == 0 ? "a field key" : name is null ? $"field {field}" : $"field {field} ({name})";

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadNumber(long at, ulong key) =>
        throw new ImageFormatException(at, $"field number {key >> 3} is not valid");
}
