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
        var image = new MemoryStream();
        Write(image, bos);
        return image.ToArray();
    }

    /// <summary>The image of <see cref="WithPrivateData"/> written to <paramref name="path"/> as it is made, not held (180 MB at 600,000 BOs).</summary>
    public static void WriteWithPrivateData(string path, int bos)
    {
        using FileStream file = File.Create(path);
        using var buffered = new BufferedStream(file, 1 << 16);
        Write(buffered, bos);
    }

    /// <summary>CRIU's 8-byte size, then the message: its size is written last, where it belongs, once known.</summary>
    private static void Write(Stream to, int bos)
    {
        long start = to.Position;
        to.Write(new byte[8]);
        Varint(to, 1, 4242);
        Varint(to, 2, 1);
        Varint(to, 3, 1);
        // Every scalar of kfd_device_entry is required: a CPU node (cpu_cores_count alone) and criubench's GPU.
        Bytes(to, 4, Device(new() { [3] = 16 }));
        Bytes(to, 4, Device(new()
        {
            [1] = 1, [2] = Gpu, [4] = 192, [5] = 1, [6] = 206, [8] = 16, [9] = 64, [11] = 64, [12] = 32, [13] = 12, [14] = 2, [15] = 8, [16] = 2,
            [17] = 32, [18] = 0x1002, [19] = 0x744c, [21] = 128, [23] = 2, [25] = 6, [26] = 24, [27] = 550, [28] = 0x2a0, [29] = 19, [30] = 1, [31] = 1UL << 40,
        }));
        Varint(to, 5, (ulong)bos);
        for (int i = 0; i < bos; i++)
        {
            Bytes(to, 6, Message(m =>
            {
                Varint(m, 1, 0x7f00_0000_0000UL + ((ulong)i * 0x2000));
                Varint(m, 2, 0x1000);
                Varint(m, 3, Offset(i));
                Varint(m, 4, 1u << 2);
                Varint(m, 5, Gpu);
                Varint(m, 6, uint.MaxValue);
            }));
        }

        Varint(to, 7, 0);
        Varint(to, 8, 0);
        Varint(to, 9, 0);

        // Field 10: the process part (version 1) and the GPU's 8 bytes, then a record a BO.
        to.Write(CriuImages.Varint((10 << 3) | 2));
        to.Write(CriuImages.Varint(16 + ((ulong)bos * BoPriv)));
        byte[] head = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(head, 1);
        to.Write(head);
        byte[] record = new byte[BoPriv];
        for (int i = 0; i < bos; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(record, Offset(i));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), (uint)i);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), Gpu);
            to.Write(record);
        }

        long end = to.Position;
        to.Position = start;
        to.Write(BitConverter.GetBytes((ulong)(end - start - 8)));
        to.Position = end;
    }

    private static ulong Offset(int bo) => 0x1_0000_0000UL + ((ulong)bo * 0x1000);

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

    private static void Varint(Stream to, uint field, ulong value)
    {
        to.Write(CriuImages.Varint(field << 3));
        to.Write(CriuImages.Varint(value));
    }

    private static void Bytes(Stream to, uint field, byte[] value)
    {
        to.Write(CriuImages.Varint((field << 3) | 2));
        to.Write(CriuImages.Varint((ulong)value.Length));
        to.Write(value);
    }
}
