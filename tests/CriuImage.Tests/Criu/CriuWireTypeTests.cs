using CriuImage.Criu;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// A field of a wire type other than the schema's makes protobuf-c's unpack fail wherever it occurs (before
/// or after a good occurrence of the same field, at the top or inside an entry): verify says so as an error
/// at the field's byte offset, and the strict reader (import) refuses the file at the same offset, so the two
/// cannot disagree.
/// </summary>
public sealed class CriuWireTypeTests : TempFolder
{
    public static TheoryData<string, uint[], uint, string> Cases => new()
    {
        // file, path of nested fields to the message, field given a length-delimited occurrence, its name
        { "amdgpu-kfd-5.img", [], 1, "criu_kfd.pid (field 1)" },
        { "amdgpu-kfd-5.img", [], 5, "criu_kfd.num_of_bos (field 5)" },
        { "amdgpu-kfd-5.img", [6], 1, "kfd_bo_entry.addr (field 1)" },
        { "amdgpu-kfd-5.img", [6], 6, "kfd_bo_entry.handle (field 6)" },
        { "amdgpu-kfd-5.img", [4], 2, "kfd_device_entry.gpu_id (field 2)" },
        { "amdgpu-kfd-5.img", [4, 32], 2, "dev_iolink.node_to_id (field 2)" },
        { "amdgpu-renderD-7.img", [], 4, "criu_render_node.num_of_bos (field 4)" },
        { "amdgpu-renderD-7.img", [5], 9, "drm_bo_entry.num_of_vms (field 9)" },
        { "amdgpu-renderD-7.img", [5, 10], 4, "drm_vm_entry.flags (field 4)" },
        { "amdgpu-dmabuf_9.img", [], 1, "criu_dmabuf_node.gem_handle (field 1)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task LengthDelimitedScalar_BeforeAGoodOne_IsAnErrorAtItsOffset(string name, uint[] path, uint field, string what)
    {
        byte[] fixture = await File.ReadAllBytesAsync(CriuFixtures.Path_(Path.Combine("criu-dev", name)));
        (byte[] body, int at) = Inject(fixture.AsSpan(CriuHeader.Size).ToArray(), path, field) ?? throw new ArgumentException("the fixture has no such entry", nameof(path));
        byte[] file = [.. BitConverter.GetBytes((ulong)body.Length), .. body];
        long offset = CriuHeader.Size + at;
        string copy = Path.Combine(Folder, name);
        await File.WriteAllBytesAsync(copy, file);

        (int code, string output, _) = await Cli.Run("verify", copy);
        Assert.Equal(2, code);
        Assert.Contains($"{copy}: error CRI304: {what} is not a varint: protobuf-c's unpack fails [byte {offset}]", output, StringComparison.Ordinal);

        ImageFormatException refused = Assert.Throws<ImageFormatException>(() => Read(CriuFileReader.Strict, name, file));
        Assert.Equal(offset, refused.ByteOffset);
        Assert.StartsWith(what, refused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void StrictAndLax_ReadTheSameMessage_WhenNothingIsWrong()
    {
        byte[] file = File.ReadAllBytes(CriuFixtures.Path_(Path.Combine("criu-dev", "amdgpu-renderD-7.img")));
        CriuMessageFile<CriuRenderNode> lax = CriuFileReader.Lax.ReadRenderNode(file);
        CriuMessageFile<CriuRenderNode> strict = CriuFileReader.Strict.ReadRenderNode(file);
        Assert.Empty(lax.Problems);
        Assert.Equal(lax.Message.Bos.Select(b => (b.Handle, b.Addr, b.VmEntries.Length)), strict.Message.Bos.Select(b => (b.Handle, b.Addr, b.VmEntries.Length)));
        Assert.Null(CriuConformanceRules.FirstBreach(lax));
    }

    [Fact]
    public void Strict_RefusesACountTheLaxReaderRecords()
    {
        byte[] file = File.ReadAllBytes(CriuFixtures.Path_(Path.Combine("damaged", "counts-off", "amdgpu-kfd-5.img")));
        CriuMessageFile<CriuKfd> lax = CriuFileReader.Lax.ReadKfd(file);
        Assert.Empty(lax.Problems);
        Assert.Equal((6UL, 5), (lax.Message.NumOfBos, lax.Message.BoEntries.Count));
        ImageFormatException e = Assert.Throws<ImageFormatException>(() => CriuFileReader.Strict.Held(lax));
        Assert.Equal(lax.Message.NumOfBosOffset, e.ByteOffset);
        Assert.Equal("num_of_bos says 6, but the message holds 5 bo_entries", e.Detail);
        Assert.Throws<ImageFormatException>(() => CriuFileReader.Strict.ReadKfd(file));
    }

    private static object Read(CriuFileReader reader, string name, byte[] file) => name switch
    {
        _ when name.StartsWith("amdgpu-kfd-", StringComparison.Ordinal) => reader.ReadKfd(file),
        _ when name.StartsWith("amdgpu-renderD-", StringComparison.Ordinal) => reader.ReadRenderNode(file),
        _ => reader.ReadDmabuf(file),
    };

    /// <summary>
    /// <paramref name="body"/> with a length-delimited occurrence of <paramref name="field"/> (one byte) put first
    /// in the message at <paramref name="path"/> (the first entry along it that leads somewhere), lengths of the
    /// messages around it fixed; and the injected key's offset in the new body. Null when no entry has the path.
    /// </summary>
    private static (byte[] Body, int At)? Inject(byte[] body, uint[] path, uint field)
    {
        if (path.Length == 0)
        {
            return ([.. CriuImages.Varint((field << 3) | 2), 1, 3, .. body], 0);
        }

        int position = 0;
        while (position < body.Length)
        {
            int start = position;
            ulong key = ReadVarint(body, ref position);
            int wire = (int)(key & 7);
            if (wire == 0)
            {
                ReadVarint(body, ref position);
                continue;
            }

            int length = (int)ReadVarint(body, ref position);
            if ((uint)(key >> 3) != path[0] || wire != 2)
            {
                position += length;
                continue;
            }

            if (Inject(body[position..(position + length)], path[1..], field) is not (byte[] inner, int at))
            {
                position += length;
                continue;
            }

            byte[] head = [.. body[..start], .. CriuImages.Varint(key), .. CriuImages.Varint((ulong)inner.Length)];
            return ([.. head, .. inner, .. body[(position + length)..]], head.Length + at);
        }

        return null;
    }

    private static ulong ReadVarint(byte[] bytes, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
