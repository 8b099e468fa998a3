using CriuImage.Abi;
using CriuImage.Verification;
using CriuImage.Tests.Support.Protobuf;
using CriuImage.Criu;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>CRIU's own amdgpu render-node images: read strictly, imported as linux-6.18 criu-images.</summary>
public sealed class CriuImportTests : TempFolder
{
    [Fact]
    public void Reader_GivesBackWhatGoogleProtobufWrote()
    {
        CriuRenderNode node = CriuFileReader.Strict.ReadRenderNode(CriuImages.File(CriuImages.Sample())).Message;
        Assert.Equal((0xBEEFu, 9u, 128u, 2UL), (node.GpuId, node.Id, node.DrmRenderMinor, node.NumOfBos));
        CriuBoEntry vram = node.Bos[0];
        Assert.Equal((2UL << 20, 0x1_0000_0000UL, 8UL, 512UL, 4u, 1u, 0u, 2u), (vram.Size, vram.Offset, vram.AllocFlags, vram.Alignment, vram.PreferredDomains, vram.Handle, vram.IsImport, vram.NumOfVms));
        Assert.Equal([new VmRecord(0x1_0000_0000, 1 << 20, 0, 0xE), new VmRecord(0x1_0010_0000, 1 << 20, 1 << 20, 0x6)], vram.VmEntries);
        Assert.Equal(1u, node.Bos[1].IsImport);
    }

    [Fact]
    public async Task Import_WritesALinux618Image_ThatVerifiesWithoutErrors()
    {
        string criu = Path.Combine(Folder, "amdgpu-renderD-9.img");
        string image = Path.Combine(Folder, "imported.cimg");
        await File.WriteAllBytesAsync(criu, CriuImages.File(CriuImages.Sample()));
        (int code, string text, string error) = await Cli.Run("import", criu, "-o", image);
        Assert.Equal((0, ""), (code, error));
        Assert.Equal($"{criu}: imported 2 BOs, 2 mappings (gpu_id 0xbeef, file id 9, render minor 128) as {image}; no readable KFD device entry has its gpu_id: PCI ids left out\n", text);

        (ImageHeader header, List<BoEntry> bos) = await Images.ReadAsync(await File.ReadAllBytesAsync(image));
        Assert.Equal(AbiRevision.Linux6_18, header.Abi);
        Assert.Equal((128u, 0xBEEFu, 9u), (header.Device!.RenderMinor, header.Device.GpuId, header.Capture!.CriuFileId));
        Assert.Equal(new BoRecord(1, 2 << 20, 0x1_0000_0000, 8, 4, 0, 512, 2) { Addr = 0 }, bos[0].Bo);
        Assert.Equal(new BoRecord(5, 4096, 0x1_0020_0000, 0, 2, 1, 1, 0) { Addr = 0 }, bos[1].Bo);
        // Only the warning that CRIU hands the 512-page alignment to GEM_CREATE as 512 bytes.
        Assert.Equal(["CRI116"], ImageVerifier.Verify(image, image).Diagnostics.Select(d => d.Descriptor.Id));
    }

    public static TheoryData<string, string> Damage => new()
    {
        { "short", "inside the 8-byte header that CRIU writes first" },
        { "length", "the header says the message has" },
        { "cut", "field 5 (bo_entries) declares 23 bytes, but only" },
        { "bo count", "num_of_bos says 3, but the message holds 2 bo_entries" },
        { "vm count", "num_of_vms of BO 1 says 7, but the entry holds 2 vm_entries" },
        { "missing", "drm_bo_entry lacks its required field alignment (5)" },
        { "wire type", "drm_bo_entry.num_of_vms (field 9) is not a varint: protobuf-c's unpack fails" },
        { "uint32", "drm_bo_entry.handle is 4294967296, more than a uint32 holds" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void Reader_RefusesDamage_WithTheOffset(string damage, string message)
    {
        criu_render_node node = CriuImages.Sample();
        byte[] file = damage switch
        {
            "short" => [1, 2, 3],
            "length" => CriuImages.File(node)[..^1],
            "cut" => Cut(CriuImages.File(node)),
            "bo count" => CriuImages.File(Change(node, n => n.NumOfBos = 3)),
            "vm count" => CriuImages.File(Change(node, n => n.BoEntries[0].NumOfVms = 7)),
            "missing" => CriuImages.File(Change(node, n => n.BoEntries[0].ClearAlignment())),
            "wire type" => WithField(node, [0x4A, 0x00]), // field 9, length-delimited, empty
            "uint32" => WithField(node, [0x38, 0x80, 0x80, 0x80, 0x80, 0x10]), // field 7 = 2^32
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };

        ImageFormatException e = Assert.Throws<ImageFormatException>(() => CriuFileReader.Strict.ReadRenderNode(file).Message);
        Assert.Contains(message, e.Detail, StringComparison.Ordinal);
        Assert.InRange(e.ByteOffset, 0, file.Length);
    }

    [Fact]
    public async Task ImportOfADamagedImage_IsOneLine_AndExitCode2()
    {
        string criu = Path.Combine(Folder, "amdgpu-renderD-9.img");
        await File.WriteAllBytesAsync(criu, Cut(CriuImages.File(CriuImages.Sample())));
        (int code, _, string error) = await Cli.Run("import", criu, "-o", Path.Combine(Folder, "out.img"));
        Assert.Equal(2, code);
        Assert.StartsWith($"{criu}: error: at byte ", error, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Folder));
    }

    /// <summary>The message cut short, with the length prefix telling the truth, so the cut reaches the decoder.</summary>
    private static byte[] Cut(byte[] file)
    {
        byte[] cut = file[..(file.Length - 7)];
        BitConverter.TryWriteBytes(cut.AsSpan(0, 8), (ulong)(cut.Length - 8));
        return cut;
    }

    private static criu_render_node Change(criu_render_node node, Action<criu_render_node> change)
    {
        change(node);
        return node;
    }

    /// <summary>The first BO entry with <paramref name="field"/> (key and value bytes) appended.</summary>
    private static byte[] WithField(criu_render_node node, byte[] field)
    {
        drm_bo_entry first = node.BoEntries[0];
        node.BoEntries.RemoveAt(0);
        byte[] entry = [.. Google.Protobuf.MessageExtensions.ToByteArray(first), .. field];
        byte[] rest = Google.Protobuf.MessageExtensions.ToByteArray(node);
        byte[] body = [0x2A, .. CriuImages.Varint((ulong)entry.Length), .. entry, .. rest];
        return [.. BitConverter.GetBytes((ulong)body.Length), .. body];
    }
}
