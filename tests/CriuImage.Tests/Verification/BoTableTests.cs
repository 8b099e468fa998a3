using CriuImage.Tests.Support;
using CriuImage.Verification;

namespace CriuImage.Tests;

/// <summary>
/// verify's table of a criu-image's BOs (<see cref="BoTable"/>): the BOs back in order across chunks, in memory and in
/// its scratch file, CRI105's first BO of each handle and where it is as a dictionary finds them across every growth
/// of the index, and a run of the built tool on an image of
/// 3*10^5 one-mapping BOs under a 44 MiB heap limit (measured: it needs 36-38 MiB now; with a list of 40-byte records
/// and a dictionary of handle to offset it needed 50-52 and ran out of memory at 48).
/// </summary>
public sealed class BoTableTests : TempFolder
{
    [Fact]
    public void FirstHandles_AreADictionarys_AcrossChunksAndGrowth()
    {
        using var table = new BoTable();
        var first = new Dictionary<uint, int>();
        var random = new Random(8);
        for (int i = 0; i < 200_000; i++)
        {
            // Mostly new handles, some repeated near and far, handle 0 and the largest among them.
            uint handle = (i % 7) switch
            {
                0 => (uint)random.Next(0, i + 1),
                1 when i % 1000 == 1 => uint.MaxValue,
                _ => (uint)i + 17,
            };
            int expected = first.TryAdd(handle, i) ? -1 : first[handle];
            Assert.Equal(expected, table.Add(new BoInfo(handle, (ulong)i * 4096, i % 3 == 0 ? null : (ulong)i << 12, 100 + (i * 32L)), out long firstAt));
            Assert.Equal(expected < 0 ? -1 : 100 + (expected * 32L), firstAt);
        }

        Assert.Equal(200_000, table.Count);
        for (int i = 0; i < table.Count; i += 997)
        {
            Assert.Equal(((ulong)i * 4096, i % 3 == 0 ? null : (ulong?)((ulong)i << 12), 100 + (i * 32L)), (table[i].Size, table[i].MmapOffset, table[i].ByteOffset));
        }
    }

    /// <summary>
    /// Past its slots' limit the table keeps new handles by sorting: every BO after the first of its handle is a
    /// duplicate once, with where that first BO is; those of handles the slots hold as the BO is taken, the others
    /// after every BO, in BO order.
    /// </summary>
    [Fact]
    public void Duplicates_PastTheSlotsLimit_AreFoundBySorting()
    {
        using var table = new BoTable(1 << 10);
        var first = new Dictionary<uint, int>();
        var expected = new List<(int Bo, long FirstAt)>();
        var found = new List<(int Bo, long FirstAt)>();
        var random = new Random(105);
        const int bos = 300_000;
        for (int i = 0; i < bos; i++)
        {
            // New handles, some again near (a few BOs back) and far (any earlier one), among them the first 700 the slots hold.
            uint handle = (i % 5) switch
            {
                0 when i > 0 => (uint)random.Next(0, i),
                1 when i > 10 => (uint)(i - random.Next(1, 10)),
                _ => (uint)i,
            };
            if (!first.TryAdd(handle, i))
            {
                expected.Add((i, 8 + (first[handle] * 40L)));
            }

            if (table.Add(new BoInfo(handle, 4096, null, 8 + (i * 40L)), out long firstAt) >= 0)
            {
                found.Add((i, firstAt));
            }
        }

        int asTaken = found.Count;
        table.LateDuplicates(d =>
        {
            Assert.Equal(8 + (d.Bo * 40L), d.Offset);
            found.Add((d.Bo, d.FirstAt));
        });

        Assert.InRange(asTaken, 1, expected.Count - 1);
        Assert.Equal(found.Skip(asTaken).Order(), found.Skip(asTaken));
        Assert.Equal(expected, found.Order());
    }

    [Fact]
    public async Task Verify_OfManyBos_RunsUnderAHeapLimit()
    {
        // The image import makes of a render node of one-mapping BOs.
        string file = await HeapLimit.Node(Folder, 300_000);
        string image = Path.Combine(Folder, "bos.img");
        (int imported, _, string importError) = await CliProcess.Shell("", "import", file, "-o", image);
        Assert.True(imported == 0, importError);

        (int code, string error) = await HeapLimit.Run(44L << 20, "verify", image);
        Assert.True(code is 0 or 1, $"verify under a 44 MiB heap limit exited {code}: {error}");
    }
}
