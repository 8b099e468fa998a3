using System.Buffers.Binary;
using CriuImage.Format;

namespace CriuImage.Tests.Fuzzing;

/// <summary>
/// Seeded mutations of an image that know its structure: flip bits, cut, splice and repeat frames,
/// inflate lengths and counts (with the CRCs fixed up so the damage reaches the decoder), nest containers
/// deeply, put 2^64-1 into integers, plus plain byte mutations.
/// </summary>
internal sealed class Mutator(int seed)
{
    private readonly Random _random = new(seed);

    public string LastMutation { get; private set; } = "";

    public byte[] Mutate(byte[] image, byte[] other)
    {
        // Structure-aware mutations need a frame to work on; past heavy damage only byte mutations remain.
        int choice = Frames(image).Count == 0 ? _random.Next(2) * 9 : _random.Next(10);
        byte[] result = choice switch
        {
            0 => Named("flip-bit", FlipBit(image)),
            1 => Named("cut", image[.._random.Next(image.Length)]),
            2 => Named("splice", Splice(image, other)),
            3 => Named("repeat-frame", RepeatFrame(image)),
            4 => Named("inflate-length", Inflate(image, fieldOffset: 12)),
            5 => Named("inflate-count", Inflate(image, fieldOffset: 16)),
            6 => Named("max-integers", MaxIntegers(image)),
            7 => Named("deep-nesting", DeepNesting(image)),
            8 => Named("payload-bytes", PayloadBytes(image)),
            _ => Named("random-bytes", RandomBytes(image)),
        };
        return result;
    }

    private byte[] Named(string name, byte[] bytes)
    {
        LastMutation = name;
        return bytes;
    }

    private byte[] FlipBit(byte[] image)
    {
        byte[] bytes = (byte[])image.Clone();
        bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
        return bytes;
    }

    private byte[] Splice(byte[] image, byte[] other) =>
        [.. image[.._random.Next(image.Length)], .. other[_random.Next(other.Length)..]];

    private byte[] RepeatFrame(byte[] image)
    {
        List<(int Offset, int Length)> frames = Frames(image);
        (int offset, int length) = frames[_random.Next(frames.Count)];
        int at = frames[_random.Next(frames.Count)].Offset;
        return [.. image[..at], .. image.AsSpan(offset, length).ToArray(), .. image[at..]];
    }

    /// <summary>Sets a frame's length or record count to a large value and fixes its header CRC, so the reader must refuse it on sense, not on checksum.</summary>
    private byte[] Inflate(byte[] image, int fieldOffset)
    {
        byte[] bytes = (byte[])image.Clone();
        List<(int Offset, int Length)> frames = Frames(bytes);
        int frame = frames[_random.Next(frames.Count)].Offset;
        uint value = _random.Next(3) switch
        {
            0 => uint.MaxValue,
            1 => (uint)FormatLimits.MaxFramePayload + 1,
            _ => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(frame + fieldOffset)) + (uint)_random.Next(1, 1000),
        };
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(frame + fieldOffset), value);
        FixHeaderCrc(bytes, frame);
        return bytes;
    }

    /// <summary>Replaces a MessagePack integer inside a payload by uint64 2^64-1 and fixes the CRCs.</summary>
    private byte[] MaxIntegers(byte[] image)
    {
        List<(int Offset, int Length)> frames = Frames(image);
        (int frame, int length) = frames[_random.Next(frames.Count)];
        int payload = frame + FrameHeader.Size;
        int payloadLength = length - FrameHeader.Size;
        if (payloadLength == 0)
        {
            return image;
        }

        int at = payload + _random.Next(payloadLength);
        byte[] max = [0xCF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        byte[] bytes = [.. image[..at], .. max, .. image[(at + 1)..]];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(frame + 12), (uint)(payloadLength + max.Length - 1));
        return FixPayload(bytes, frame);
    }

    /// <summary>Puts thousands of nested arrays or maps into a payload, with CRCs fixed.</summary>
    private byte[] DeepNesting(byte[] image)
    {
        List<(int Offset, int Length)> frames = Frames(image);
        (int frame, int length) = frames[_random.Next(frames.Count)];
        int payload = frame + FrameHeader.Size;
        byte nest = _random.Next(2) == 0 ? (byte)0x91 : (byte)0x81;
        byte[] deep = Enumerable.Repeat(nest, _random.Next(100, 20000)).ToArray();
        byte[] bytes = [.. image[..payload], .. deep, .. image[payload..]];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(frame + 12), (uint)(length - FrameHeader.Size + deep.Length));
        return FixPayload(bytes, frame);
    }

    /// <summary>Byte mutations inside one payload with the CRCs fixed: they reach the MessagePack decoder.</summary>
    private byte[] PayloadBytes(byte[] image)
    {
        byte[] bytes = (byte[])image.Clone();
        List<(int Offset, int Length)> frames = Frames(bytes);
        (int frame, int length) = frames[_random.Next(frames.Count)];
        if (length == FrameHeader.Size)
        {
            return bytes;
        }

        for (int k = _random.Next(1, 4); k > 0; k--)
        {
            bytes[frame + FrameHeader.Size + _random.Next(length - FrameHeader.Size)] = (byte)_random.Next(256);
        }

        return FixPayload(bytes, frame);
    }

    private byte[] RandomBytes(byte[] image)
    {
        byte[] bytes = (byte[])image.Clone();
        for (int k = _random.Next(1, 8); k > 0; k--)
        {
            bytes[_random.Next(bytes.Length)] = (byte)_random.Next(256);
        }

        return bytes;
    }

    /// <summary>The frames of a well-formed image, as (offset, total length).</summary>
    private static List<(int Offset, int Length)> Frames(byte[] image)
    {
        var frames = new List<(int, int)>();
        for (int offset = Preamble.Size; offset + FrameHeader.Size <= image.Length;)
        {
            int length = FrameHeader.Size + (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(offset + 12));
            if (length < FrameHeader.Size || offset + length > image.Length)
            {
                break;
            }

            frames.Add((offset, length));
            offset += length;
        }

        return frames;
    }

    private static byte[] FixPayload(byte[] bytes, int frame)
    {
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(frame + 12));
        int available = Math.Min(length, bytes.Length - frame - FrameHeader.Size);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(frame + 20), Crc32C.Compute(bytes.AsSpan(frame + FrameHeader.Size, available)));
        FixHeaderCrc(bytes, frame);
        return bytes;
    }

    private static void FixHeaderCrc(byte[] bytes, int frame) =>
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(frame + 24), Crc32C.Compute(bytes.AsSpan(frame, 24)));
}
