using CriuImage.Criu;
using CriuImage.IO;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// A KFD image's BO entries past <see cref="HeldBudget.Total"/> are kept in a scratch file
/// (<see cref="KfdBoList"/>): what every walk, lookup by index and command sees is what the entries held in memory give.
/// </summary>
public sealed class KfdBoSpillTests : TempFolder
{
    /// <summary>Budgets: nothing held (every entry in the scratch file but the last, unfilled chunk), one chunk of 8,192, all.</summary>
    public static TheoryData<long?> Budgets => [0, 400_000, null];

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Entries_FromTheScratchFile_AreTheOnesRead(long? budget)
    {
        // 20,000 entries: two whole chunks and a part; handle and is_import present, absent or both, as revisions write them.
        KfdBoEntry[] entries = [.. Enumerable.Range(0, 20_000).Select(Entry)];
        HeldBudget.Set.Value = budget;
        KfdBoList bos = KfdBoList.ForReader();
        HeldBudget.Set.Value = null;
        foreach (KfdBoEntry entry in entries)
        {
            bos.Add(KfdBo.Of(entry));
        }

        Assert.Equal(entries.Length, bos.Count);
        var walked = new List<KfdBoEntry>();
        foreach (KfdBo bo in bos.Values)
        {
            walked.Add(bo.ToEntry());
        }

        Assert.Equal(entries, walked);
        Assert.Equal(entries, bos);
        int[] order = [.. Enumerable.Range(0, entries.Length).Reverse(), .. new Random(20).GetItems(Enumerable.Range(0, entries.Length).ToArray(), 3_000)];
        foreach (int i in order)
        {
            Assert.Equal(entries[i], bos[i]);
        }

        // A revision that requires fields 6 and 7 reads 0 where an entry lacks them.
        bos.FillRequired(handle: true, isImport: true);
        Assert.Equal(entries.Select(e => e with { Handle = e.Handle ?? 0, IsImport = e.IsImport ?? 0 }), bos);
    }

    /// <summary>Two walks and lookups by index in step, and lookups from several threads, do not disturb one another.</summary>
    [Fact]
    public async Task WalksAndLookups_InStepAndOnThreads_SeeTheirOwnEntries()
    {
        HeldBudget.Set.Value = 0;
        KfdBoList bos = KfdBoList.ForReader();
        HeldBudget.Set.Value = null;
        for (int i = 0; i < 30_000; i++)
        {
            bos.Add(KfdBo.Of(Entry(i)));
        }

        KfdBoList.ValueWalk outer = bos.Values;
        while (outer.MoveNext())
        {
            Assert.Equal(Entry(outer.Index), outer.Current.ToEntry());
            if (outer.Index % 9_000 == 0)
            {
                int j = 0;
                foreach (KfdBo inner in bos.Values)
                {
                    Assert.Equal(Entry(j).Addr, inner.Addr);
                    Assert.Equal(Entry(29_999 - j), bos[29_999 - j]);
                    j++;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            var random = new Random(t);
            for (int n = 0; n < 20_000; n++)
            {
                int i = random.Next(30_000);
                Assert.Equal(Entry(i), bos[i]);
            }
        })));
    }

    /// <summary>An image read with its entries in the scratch file has the entries (and the problems) of one read with them held.</summary>
    [Fact]
    public void AnImage_ReadWithItsEntriesInTheScratchFile_IsTheOneHeld()
    {
        byte[] file = KfdImages.WithPrivateData(20_000);
        CriuMessageFile<CriuKfd> held = CriuFileReader.Lax.ReadKfd(file);
        HeldBudget.Set.Value = 0;
        CriuMessageFile<CriuKfd> spilled = CriuFileReader.Lax.ReadKfd(file);
        HeldBudget.Set.Value = null;

        Assert.Equal(held.Message.BoEntries, spilled.Message.BoEntries);
        Assert.Equal(held.Problems, spilled.Problems);
        Assert.Equal(held.Revisions, spilled.Revisions);
    }

    public static TheoryData<string> Fixtures => CriuGoldenTests.Fixtures;

    /// <summary>Every command that reads KFD images says the same, byte for byte, with their entries held and in the scratch file.</summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task EveryCommand_SaysTheSame_WithTheEntriesInTheScratchFile(string fixture)
    {
        string path = CriuFixtures.Path_(fixture);
        if (Directory.Exists(path) && !Directory.EnumerateFiles(path, "amdgpu-kfd-*").Any())
        {
            return;
        }

        await SameHeldAndSpilled(path);
    }

    /// <summary>The same for an image of 20,000 BOs, more than two chunks of the scratch file.</summary>
    [Fact]
    public async Task EveryCommand_SaysTheSame_OnAnImagePastTwoChunks()
    {
        string folder = Path.Combine(Folder, "dump");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "amdgpu-kfd-5.img"), KfdImages.WithPrivateData(20_000));
        await SameHeldAndSpilled(folder);
    }

    private static async Task SameHeldAndSpilled(string path)
    {
        string[][] runs =
        [
            ["verify", path], ["verify", "--format", "json", path], ["plan", path], ["plan", "--format", "json", path],
            ["plan", "--target", "pre-6.18", path], ["info", path], ["show", path], ["show", "--format", "json", path], ["restorable", path],
            .. Directory.Exists(path) ? Directory.EnumerateFiles(path, "amdgpu-kfd-*").Order(StringComparer.Ordinal).SelectMany(f => new[] { new[] { "decode", f }, ["verify", f], ["plan", f], ["show", f] }) : [],
        ];
        foreach (string[] args in runs)
        {
            (int Code, string Output, string Error) held = await Cli.Run(args);
            HeldBudget.Set.Value = 0;
            (int Code, string Output, string Error) spilled = await Cli.Run(args);
            HeldBudget.Set.Value = null;
            Assert.True(held == spilled, $"{string.Join(' ', args)}: exit {held.Code} held, {spilled.Code} from the scratch file\n{held.Output}{held.Error}\n---\n{spilled.Output}{spilled.Error}");
        }
    }

    private static KfdBoEntry Entry(int i) => new(
        0x7f00_0000_0000UL + ((ulong)i * 0x2000), 0x1000 + (ulong)(i % 7), (ulong)i << 12, (uint)i % 5, 0x1000u + ((uint)i % 3),
        (i % 3) switch { 0 => null, 1 => uint.MaxValue, _ => (uint)i },
        (i % 4) switch { 0 => null, _ => (uint)(i % 2) })
    { ByteOffset = 8 + (i * 41L) };
}
