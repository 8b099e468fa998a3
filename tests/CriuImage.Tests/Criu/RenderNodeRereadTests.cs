using CriuImage.Criu;
using CriuImage.IO;
using CriuImage.Format;
using CriuImage.Tests.Support;
using CriuImage.Tests.Support.Protobuf;
using Google.Protobuf;

namespace CriuImage.Tests;

/// <summary>
/// A render node whose values outgrow <see cref="HeldBudget.Total"/> holds none of them and reads them
/// again from its file on each pass: what every walk, lookup by index and command sees is what the held values give.
/// </summary>
public sealed class RenderNodeRereadTests : TempFolder
{
    public static TheoryData<long> Budgets => [0, 5_000, 200_000];

    /// <summary>
    /// Every way in (a walk, an index in order, backwards, at random, a handle, the public list), on a file with a
    /// field between some entries and entries of 0..5 mappings and one of 10,000, from memory and from a descriptor
    /// read in windows of 7 bytes; read again from the first BO, from a few hundred on, or held until past a chunk.
    /// </summary>
    [Theory]
    [MemberData(nameof(Budgets))]
    public void Entries_ReadAgain_AreTheOnesHeld(long budget)
    {
        byte[] file = Interleaved(RenderNodeStoreTests.Node(20_000, i => i == 9_000 ? 10_000 : i % 6));
        string path = Path.Combine(Folder, "amdgpu-renderD-7.img");
        File.WriteAllBytes(path, file);
        RenderNodeBos held = CriuFileReader.Lax.ReadRenderNode(file).Message.Entries;
        Assert.False(held.Reread);

        HeldBudget.Set.Value = budget;
        RenderNodeBos fromMemory = CriuFileReader.Lax.ReadRenderNode(file).Message.Entries;
        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path);
        RenderNodeBos fromFile = CriuFileReader.Lax.ReadRenderNode(WireWindow.Over(handle, file.Length, windowBytes: 7)).Message.Entries;
        HeldBudget.Set.Value = null;

        foreach (RenderNodeBos bos in new[] { fromMemory, fromFile })
        {
            Assert.True(bos.Reread);
            Assert.Equal((held.Count, held.Mappings), (bos.Count, bos.Mappings));
            var walked = new List<CriuBoEntry>();
            foreach (ref readonly DrmBo bo in bos.Values)
            {
                walked.Add(bo.ToEntry());
            }

            Assert.Equal(held.Select(Fields), walked.Select(Fields));
            int[] order = [.. Enumerable.Range(0, held.Count), .. Enumerable.Range(0, held.Count).Reverse(), .. new Random(20).GetItems(Enumerable.Range(0, held.Count).ToArray(), 3_000)];
            foreach (int i in order)
            {
                Assert.Equal(Fields(held.At(i).ToEntry()), Fields(bos.At(i).ToEntry()));
                Assert.Equal(held.HandleAt(i), bos.HandleAt(i));
            }

            Assert.Equal(Fields(held[19_999]), Fields(bos[19_999]));
            Assert.Equal((held.AnyImport(), held.Exports(3)), (bos.AnyImport(), bos.Exports(3)));
        }
    }

    /// <summary>Two walks and an index lookup in step do not disturb one another: each has its own cursor on the file.</summary>
    [Fact]
    public void WalksInStep_EachSeeTheirOwnEntry()
    {
        byte[] file = CriuImages.File(RenderNodeStoreTests.Node(300, i => i % 3));
        HeldBudget.Set.Value = 0;
        RenderNodeBos bos = CriuFileReader.Lax.ReadRenderNode(file).Message.Entries;
        HeldBudget.Set.Value = null;

        int i = 0;
        foreach (ref readonly DrmBo outer in bos.Values)
        {
            int j = 0;
            foreach (ref readonly DrmBo inner in bos.Values)
            {
                Assert.Equal((uint)j + 1, inner.Handle);
                Assert.Equal((uint)(299 - j) + 1, bos.At(299 - j).Handle);
                j++;
                if (j == 5)
                {
                    break;
                }
            }

            Assert.Equal((uint)i + 1, outer.Handle);
            Assert.Equal(i % 3, outer.VmEntries.Length);
            i++;
        }
    }

    public static TheoryData<string> Fixtures => CriuGoldenTests.Fixtures;

    /// <summary>Every command that reads render nodes says the same, byte for byte, with their values held and read again from the files.</summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task EveryCommand_SaysTheSame_WithTheValuesReadAgain(string fixture)
    {
        string path = CriuFixtures.Path_(fixture);
        string[][] runs =
        [
            ["verify", path], ["verify", "--format", "json", path], ["plan", path], ["plan", "--format", "json", path],
            ["plan", "--target", "pre-6.18", path], ["info", path], ["show", path], ["show", "--format", "json", path], ["restorable", path],
            .. Directory.Exists(path) ? Directory.EnumerateFiles(path, "amdgpu-renderD-*").Order(StringComparer.Ordinal).SelectMany(f => new[] { new[] { "decode", f }, ["verify", f], ["plan", f] }) : [],
        ];
        foreach (string[] args in runs)
        {
            await SaysTheSameReadAgain(args);
        }
    }

    /// <summary>Runs <c>criu-image ARGS</c> with the render nodes' values held and read again, asserts both say the same; what they said.</summary>
    internal static async Task<string> SaysTheSameReadAgain(string[] args)
    {
        (int Code, string Output, string Error) held = await Cli.Run(args);
        HeldBudget.Set.Value = 0;
        (int Code, string Output, string Error) reread = await Cli.Run(args);
        HeldBudget.Set.Value = null;
        Assert.True(held == reread, $"{string.Join(' ', args)}: exit {held.Code} held, {reread.Code} read again\n{held.Output}{held.Error}\n---\n{reread.Output}{reread.Error}");
        return held.Output + held.Error;
    }

    private static (ulong, ulong, ulong, ulong, ulong, uint, uint, uint, uint, long, string) Fields(CriuBoEntry e) =>
        (e.Addr, e.Size, e.Offset, e.AllocFlags, e.Alignment, e.PreferredDomains, e.Handle, e.IsImport, e.NumOfVms, e.ByteOffset, string.Join(',', e.VmEntries));

    /// <summary>The node's file with a num_of_bos field after every 7th entry and an unknown field after every 11th, as no writer puts them but the wire allows.</summary>
    private static byte[] Interleaved(criu_render_node node)
    {
        var entries = node.BoEntries.ToList();
        node.BoEntries.Clear();
        var body = new List<byte>(node.ToByteArray());
        for (int i = 0; i < entries.Count; i++)
        {
            byte[] entry = entries[i].ToByteArray();
            body.AddRange([.. CriuImages.Varint((5 << 3) | 2), .. CriuImages.Varint((ulong)entry.Length), .. entry]);
            if (i % 7 == 3)
            {
                body.AddRange([.. CriuImages.Varint(4 << 3), .. CriuImages.Varint((ulong)entries.Count)]);
            }

            if (i % 11 == 5)
            {
                body.AddRange([.. CriuImages.Varint((99 << 3) | 2), 2, 0xAB, 0xCD]);
            }
        }

        return [.. BitConverter.GetBytes((ulong)body.Count), .. body];
    }
}
