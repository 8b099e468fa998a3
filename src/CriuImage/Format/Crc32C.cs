using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace CriuImage.Format;

/// <summary>
/// CRC32C (Castagnoli) with the conventional initial value and final XOR of 0xFFFFFFFF, on top of
/// the hardware-accelerated <see cref="BitOperations.Crc32C(uint, ulong)"/> step, which applies neither.
/// </summary>
internal static class Crc32C
{
    /// <summary>Computes the CRC32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(~0u, data);

    /// <summary>
    /// Continues a running CRC state (not the finished value): start from <c>~0u</c>, append any number of
    /// spans, and finish with <c>~state</c>. Appending A then B equals appending A followed by B.
    /// </summary>
    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong word in words)
        {
            state = BitOperations.Crc32C(state, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        }

        foreach (byte b in data[(words.Length * sizeof(ulong))..])
        {
            state = BitOperations.Crc32C(state, b);
        }

        return state;
    }
}
