using System.Buffers.Binary;

namespace CriuImage.MessagePack;

/// <summary>
/// Span-only MessagePack reads that never throw: each returns a <see cref="DecodeResult"/> and, on
/// success, the value and how many bytes it took. The throwing <see cref="MessagePackReader"/> sits on top.
/// </summary>
internal static class MessagePackPrimitives
{
    /// <summary>Reads a non-negative integer in any of the int or uint formats.</summary>
    public static DecodeResult TryReadUInt64(ReadOnlySpan<byte> source, out ulong value, out int consumed)
    {
        value = 0;
        consumed = 0;
        if (source.IsEmpty)
        {
            return DecodeResult.InsufficientBuffer;
        }

        byte code = source[0];
        if (code <= MessagePackCode.MaxPositiveFixInt)
        {
            value = code;
            consumed = 1;
            return DecodeResult.Success;
        }

        int length = code switch
        {
            MessagePackCode.UInt8 or MessagePackCode.Int8 => 1,
            MessagePackCode.UInt16 or MessagePackCode.Int16 => 2,
            MessagePackCode.UInt32 or MessagePackCode.Int32 => 4,
            MessagePackCode.UInt64 or MessagePackCode.Int64 => 8,
            _ => 0,
        };
        if (length == 0)
        {
            return DecodeResult.TokenMismatch;
        }

        if (source.Length < 1 + length)
        {
            return DecodeResult.InsufficientBuffer;
        }

        ReadOnlySpan<byte> body = source.Slice(1, length);
        long signed;
        switch (code)
        {
            case MessagePackCode.UInt8: value = body[0]; break;
            case MessagePackCode.UInt16: value = BinaryPrimitives.ReadUInt16BigEndian(body); break;
            case MessagePackCode.UInt32: value = BinaryPrimitives.ReadUInt32BigEndian(body); break;
            case MessagePackCode.UInt64: value = BinaryPrimitives.ReadUInt64BigEndian(body); break;
            default:
                signed = code switch
                {
                    MessagePackCode.Int8 => (sbyte)body[0],
                    MessagePackCode.Int16 => BinaryPrimitives.ReadInt16BigEndian(body),
                    MessagePackCode.Int32 => BinaryPrimitives.ReadInt32BigEndian(body),
                    _ => BinaryPrimitives.ReadInt64BigEndian(body),
                };
                if (signed < 0)
                {
                    return DecodeResult.TokenMismatch;
                }

                value = (ulong)signed;
                break;
        }

        consumed = 1 + length;
        return DecodeResult.Success;
    }

    /// <summary>Reads an array header (fixarray, array 16, array 32) and its element count.</summary>
    public static DecodeResult TryReadArrayHeader(ReadOnlySpan<byte> source, out uint count, out int consumed) =>
        TryReadHeader(source, MessagePackCode.MinFixArray, MessagePackCode.MaxFixArray, 0, MessagePackCode.Array16, MessagePackCode.Array32, out count, out consumed);

    /// <summary>Reads a map header (fixmap, map 16, map 32) and its entry count.</summary>
    public static DecodeResult TryReadMapHeader(ReadOnlySpan<byte> source, out uint count, out int consumed) =>
        TryReadHeader(source, MessagePackCode.MinFixMap, MessagePackCode.MaxFixMap, 0, MessagePackCode.Map16, MessagePackCode.Map32, out count, out consumed);

    /// <summary>Reads a str header (fixstr, str 8, str 16, str 32) and its byte length.</summary>
    public static DecodeResult TryReadStringHeader(ReadOnlySpan<byte> source, out uint length, out int consumed) =>
        TryReadHeader(source, MessagePackCode.MinFixStr, MessagePackCode.MaxFixStr, MessagePackCode.Str8, MessagePackCode.Str16, MessagePackCode.Str32, out length, out consumed);

    /// <summary>Reads a bin header (bin 8, bin 16, bin 32) and its byte length.</summary>
    public static DecodeResult TryReadBinaryHeader(ReadOnlySpan<byte> source, out uint length, out int consumed) =>
        TryReadHeader(source, 1, 0, MessagePackCode.Bin8, MessagePackCode.Bin16, MessagePackCode.Bin32, out length, out consumed);

    /// <summary>Reads a bool.</summary>
    public static DecodeResult TryReadBoolean(ReadOnlySpan<byte> source, out bool value, out int consumed)
    {
        value = false;
        consumed = 0;
        if (source.IsEmpty)
        {
            return DecodeResult.InsufficientBuffer;
        }

        if (source[0] is not (MessagePackCode.True or MessagePackCode.False))
        {
            return DecodeResult.TokenMismatch;
        }

        value = source[0] == MessagePackCode.True;
        consumed = 1;
        return DecodeResult.Success;
    }

    /// <summary>
    /// Reads a length-prefixed header: a "fix" range whose low bits hold the length (pass min &gt; max for
    /// none), and 8-, 16- and 32-bit big-endian length forms (pass 0 for a form the type lacks).
    /// </summary>
    private static DecodeResult TryReadHeader(ReadOnlySpan<byte> source, byte fixMin, byte fixMax, byte code8, byte code16, byte code32, out uint length, out int consumed)
    {
        length = 0;
        consumed = 0;
        if (source.IsEmpty)
        {
            return DecodeResult.InsufficientBuffer;
        }

        byte code = source[0];
        if (code >= fixMin && code <= fixMax)
        {
            length = (uint)(code - fixMin);
            consumed = 1;
            return DecodeResult.Success;
        }

        int size = code == code8 && code8 != 0 ? 1 : code == code16 ? 2 : code == code32 ? 4 : 0;
        if (size == 0)
        {
            return DecodeResult.TokenMismatch;
        }

        if (source.Length < 1 + size)
        {
            return DecodeResult.InsufficientBuffer;
        }

        ReadOnlySpan<byte> body = source.Slice(1, size);
        length = size switch
        {
            1 => body[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(body),
            _ => BinaryPrimitives.ReadUInt32BigEndian(body),
        };
        consumed = 1 + size;
        return DecodeResult.Success;
    }
}
