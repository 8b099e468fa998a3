using System.Buffers.Binary;

namespace CriuImage.Tests.Support;

/// <summary>
/// criu-dev KFD images as a 6.12+ checkpoint writes them (bench/criu-c's gen-kfd, fixtures/criu/generate.py): one CPU
/// and one GPU node, userptr BOs 8 KiB apart, and the kernel's private data, 272 bytes a BO. Written field by field
/// (the test protobuf schema has no criu_kfd).
/// </summary>
internal static class KfdImages
{
    public const uint Gpu = 0x1a2b;

    /// <summary>Bytes of one BO's private record: u64 user_addr, u32 idr_handle, u32 mapped_gpuids[64], padding.</summary>
    public const int BoPriv = 272;

    public static byte[] WithPrivateData(int bos)
    {
        var message = new MemoryStream();
        Varint(message, 1, 4242);
        Varint(message, 2, 1);
        Varint(message, 3, 1);
        // Every scalar of kfd_device_entry is required: a CPU node (cpu_cores_count alone) and criubench's GPU.
        Bytes(message, 4, Device(new() { [3] = 16 }));
        Bytes(message, 4, Device(new()
        {
            [1] = 1, [2] = Gpu, [4] = 192, [5] = 1, [6] = 206, [8] = 16, [9] = 64, [11] = 64, [12] = 32, [13] = 12, [14] = 2, [15] = 8, [16] = 2,
            [17] = 32, [18] = 0x1002, [19] = 0x744c, [21] = 128, [23] = 2, [25] = 6, [26] = 24, [27] = 550, [28] = 0x2a0, [29] = 19, [30] = 1, [31] = 1UL << 40,
        }));
        Varint(message, 5, (ulong)bos);
        byte[] priv = new byte[16 + ((long)bos * BoPriv)];
        BinaryPrimitives.WriteUInt32LittleEndian(priv, 1);
        for (int i = 0; i < bos; i++)
        {
            ulong offset = 0x1_0000_0000UL + ((ulong)i * 0x1000);
            Bytes(message, 6, Message(m =>
            {
                Varint(m, 1, 0x7f00_0000_0000UL + ((ulong)i * 0x2000));
                Varint(m, 2, 0x1000);
                Varint(m, 3, offset);
                Varint(m, 4, 1u << 2);
                Varint(m, 5, Gpu);
                Varint(m, 6, uint.MaxValue);
            }));
            Span<byte> record = priv.AsSpan(16 + (i * BoPriv), BoPriv);
            BinaryPrimitives.WriteUInt64LittleEndian(record, offset);
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)i);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], Gpu);
        }

        Varint(message, 7, 0);
        Varint(message, 8, 0);
        Varint(message, 9, 0);
        Bytes(message, 10, priv);
        return [.. BitConverter.GetBytes((ulong)message.Length), .. message.ToArray()];
    }

    private static byte[] Device(Dictionary<uint, ulong> values) => Message(m =>
    {
        for (uint field = 1; field <= 31; field++)
        {
            Varint(m, field, values.GetValueOrDefault(field));
        }
    });

    private static byte[] Message(Action<MemoryStream> write)
    {
        var m = new MemoryStream();
        write(m);
        return m.ToArray();
    }

    private static void Varint(MemoryStream to, uint field, ulong value)
    {
        to.Write(CriuImages.Varint(field << 3));
        to.Write(CriuImages.Varint(value));
    }

    private static void Bytes(MemoryStream to, uint field, byte[] value)
    {
        to.Write(CriuImages.Varint((field << 3) | 2));
        to.Write(CriuImages.Varint((ulong)value.Length));
        to.Write(value);
    }
}
