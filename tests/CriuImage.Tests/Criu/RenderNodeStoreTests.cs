using CriuImage.Criu;
using CriuImage.Format;
using CriuImage.Tests.Support;
using CriuImage.Tests.Support.Protobuf;

namespace CriuImage.Tests;

/// <summary>
/// A render node's BO entries are kept as values in chunks, the mappings in shared chunks (<see cref="RenderNodeBos"/>):
/// what comes back is what Google.Protobuf wrote, across chunk boundaries, and the reader keeps about 112 bytes per
/// one-mapping BO where an entry object, its one-element mapping array and its list slot took about 170.
/// </summary>
public sealed class RenderNodeStoreTests
{
    [Fact]
    public void Entries_AreTheWrittenOnes_AcrossChunks()
    {
        // 20,000 BOs of 0..5 mappings, one of 10,000 (more than a mapping chunk), so both kinds of chunk fill and roll over.
        criu_render_node written = Node(20_000, i => i == 9_000 ? 10_000 : i % 6);
        CriuRenderNode node = CriuFileReader.Lax.ReadRenderNode(CriuImages.File(written)).Message;

        Assert.Equal(written.BoEntries.Count, node.Bos.Count);
        int index = 0;
        foreach (ref readonly DrmBo value in node.Entries.Values)
        {
            drm_bo_entry expected = written.BoEntries[index];
            CriuBoEntry entry = node.Bos[index];
            Assert.Equal((expected.Addr, expected.Size, expected.Offset, expected.AllocFlags, expected.Alignment), (entry.Addr, entry.Size, entry.Offset, entry.AllocFlags, entry.Alignment));
            Assert.Equal((expected.PreferredDomains, expected.Handle, expected.IsImport, expected.NumOfVms), (entry.PreferredDomains, entry.Handle, entry.IsImport, entry.NumOfVms));
            Assert.Equal(expected.VmEntries.Select(v => new VmRecord(v.Addr, v.Size, v.Offset, v.Flags)), entry.VmEntries);
            Assert.Equal(entry.VmEntries, value.VmEntries.ToArray());
            Assert.Equal((entry.Handle, entry.ByteOffset), (value.Handle, value.ByteOffset));
            index++;
        }

        Assert.Equal(written.BoEntries.Count, index);
        Assert.Null(node.NumOfObjects);
        Assert.Equal(node.Bos.Select(b => b.Handle), Enumerable.Range(1, 20_000).Select(i => (uint)i));
    }

    [Fact]
    public void ANodeACallerBuilt_IsWalkedAsItsList()
    {
        var bos = new List<CriuBoEntry>
        {
            new(0x1000, 4096, 0, 0, 1, 4, 3, 0, 1, [new VmRecord(0x1000, 4096, 0, 0xE)]) { ByteOffset = 12 },
            new(0, 8192, 0, 0, 1, 2, 7, 1, 0, []),
        };
        RenderNodeBos entries = new CriuRenderNode(1, 2, 128, 2, bos).Entries;

        Assert.Equal(2, entries.Count);
        Assert.Equal((3u, 12L, 1), (entries.At(0).Handle, entries.At(0).ByteOffset, entries.At(0).VmEntries.Length));
        Assert.Equal(bos[0].VmEntries, entries[0].VmEntries);
        Assert.True(entries.AnyImport());
        Assert.Equal(1, entries.Exports(3));
        Assert.Equal(0, entries.Exports(7));
    }

    /// <summary>
    /// What the reader allocates per BO of one mapping, from 10^4 to 4*10^4 BOs (the growth, so the fixed part cancels):
    /// an entry object, a one-element mapping array and a list slot grown by doubling took about 170 bytes.
    /// </summary>
    [Fact]
    public void Reader_AllocatesAbout112BytesPerOneMappingBo()
    {
        byte[] small = CriuImages.File(Node(10_000, _ => 1));
        byte[] large = CriuImages.File(Node(40_000, _ => 1));
        Allocated(small);
        Allocated(large);

        double perBo = (double)(Allocated(large) - Allocated(small)) / 30_000;
        Assert.True(perBo < 128, $"the reader allocated {perBo:F0} bytes per BO");
    }

    /// <summary><c>import</c> hands the image to its output as it writes it: the whole image waited in the writer's pipe until the end.</summary>
    [Fact]
    public async Task Import_WritesThroughAsItGoes()
    {
        CriuRenderNode node = CriuFileReader.Lax.ReadRenderNode(CriuImages.File(Node(100_000, _ => 1))).Message;
        using var output = new MemoryStream();
        await using ImageWriter writer = ImageWriter.Create(output, CriuImport.HeaderFor(node), leaveOpen: true);

        await CriuImport.WriteBosAsync(node, writer, CancellationToken.None);

        Assert.True(writer.UnflushedBytes <= ImageWriter.FlushThreshold + 1024, $"{writer.UnflushedBytes} bytes held back");
        Assert.True(output.Length > 2 * ImageWriter.FlushThreshold, $"{output.Length} bytes written before the end");
        await writer.CompleteAsync();
    }

    private static long Allocated(byte[] file)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        CriuRenderNode node = CriuFileReader.Lax.ReadRenderNode(file).Message;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(node.Bos.Count > 0);
        return allocated;
    }

    private static criu_render_node Node(int bos, Func<int, int> mappings)
    {
        var node = new criu_render_node { GpuId = 0xBEEF, Id = 9, DrmRenderMinor = 128, NumOfBos = (ulong)bos };
        ulong va = 0x1_0000_0000;
        for (int i = 0; i < bos; i++)
        {
            // Google.Protobuf leaves zeros out, and an entry with alignment but no is_import is d5377d5d2's: both or neither.
            var bo = new drm_bo_entry { Size = 4096, Offset = (ulong)i << 12, AllocFlags = 8, Alignment = (ulong)(i % 2), PreferredDomains = 4, Handle = (uint)i + 1, IsImport = (uint)(i % 2), NumOfVms = (uint)mappings(i) };
            for (int m = 0; m < mappings(i); m++, va += 4096)
            {
                bo.VmEntries.Add(new drm_vm_entry { Addr = va, Size = 4096, Offset = 0, Flags = 0xE });
            }

            bo.Addr = bo.VmEntries.Count == 0 ? 0 : bo.VmEntries[^1].Addr;
            node.BoEntries.Add(bo);
        }

        return node;
    }
}
