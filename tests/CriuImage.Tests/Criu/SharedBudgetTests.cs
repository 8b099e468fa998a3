using System.Runtime.CompilerServices;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.IO;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// The files of a dump read together share one <see cref="HeldBudget"/>: a KFD image's BO values and a render node's
/// that each fit the budget alone do not both stay in memory (each had a budget of its own: k files held k budgets).
/// </summary>
public sealed class SharedBudgetTests : TempFolder
{
    private const int KfdBos = 20_000;
    private const int NodeBos = 5_000;

    /// <summary>What the KFD image's values take: chunks of 8,192 values (the first counted as it grows, to a whole chunk here).</summary>
    private static long KfdBytes => (KfdBos + ScratchArray<KfdBo>.ChunkSize - 1) / ScratchArray<KfdBo>.ChunkSize * (long)ScratchArray<KfdBo>.ChunkSize * Unsafe.SizeOf<KfdBo>();

    /// <summary>What the render node's values take: a BO and its one mapping each.</summary>
    private static long NodeBytes => NodeBos * (long)(Unsafe.SizeOf<DrmBo>() + Unsafe.SizeOf<VmRecord>());

    [Fact]
    public void ADumpsFiles_HoldOneBudget_NotOneEach()
    {
        string dump = Dump(withKfd: true);
        long budget = Math.Max(KfdBytes, NodeBytes) + 1_000;
        Assert.True(KfdBytes + NodeBytes > budget);

        HeldBudget.Set.Value = budget;
        CriuDump alone = DumpOf(Plan(Dump(withKfd: false)));
        CriuDump both = DumpOf(Plan(dump));
        HeldBudget.Set.Value = null;

        // The budget holds the node alone; beside the KFD image (read first), which took most of it, the node is read again.
        Assert.False(NodeOf(alone).Reread);
        Assert.Equal(CriuFileKind.KfdImage, both.Files[0].Name.Kind);
        Assert.True(NodeOf(both).Reread);
    }

    /// <summary>Plans read one after another (verify of a dump reads it again for its JSON report) each have a whole budget.</summary>
    [Fact]
    public void EachPlan_HasABudgetOfItsOwn()
    {
        string dump = Dump(withKfd: false);
        HeldBudget.Set.Value = NodeBytes + 1_000;
        CriuDump first = DumpOf(Plan(dump));
        CriuDump second = DumpOf(Plan(dump));
        HeldBudget.Set.Value = null;

        Assert.False(NodeOf(first).Reread);
        Assert.False(NodeOf(second).Reread);
    }

    /// <summary>
    /// Small files take what they hold, not a chunk each (a dump of many small KFD images leaves the budget to the
    /// others); a file whose first chunk is refused as it grows puts its records in the scratch file and gives the bytes back.
    /// </summary>
    [Fact]
    public void SmallFiles_TakeWhatTheyHold_AndARefusedGrowthSpills()
    {
        using HeldBudget.Scope shared = HeldBudget.Share(1_000 * sizeof(long));
        HeldBudget budget = HeldBudget.Current;
        ScratchArray<long>[] small = [new(budget), new(budget)];
        foreach (ScratchArray<long> array in small)
        {
            for (int i = 0; i < 10; i++)
            {
                array.Add(i);
            }
        }

        using var grown = new ScratchArray<long>(budget);
        for (int i = 0; i < 20_000; i++)
        {
            grown.Add(i);
        }

        Assert.All(small, a => Assert.True(a.HeldCount >= a.Count));
        Assert.Equal(0, grown.HeldCount);
        Assert.All(Enumerable.Range(0, 20_000), i => Assert.Equal(i, grown[i]));

        // What the refused first chunk held went back: 1,000 longs less the two small files' first chunks of 64.
        Assert.True(budget.TryTake((1_000 - 128) * sizeof(long)));
        Assert.False(budget.TryTake(1));
        small[0].Dispose();
        small[1].Dispose();
    }

    private static InputPlan Plan(string path) => InputPlan.Of(DumpInputs.Collect([path], new InputOptions(), () => Stream.Null));

    private static CriuDump DumpOf(InputPlan plan) => Assert.Single(plan.Dumps).Dump;

    private static RenderNodeBos NodeOf(CriuDump dump) => dump.Files.Single(f => f.Name.Kind == CriuFileKind.RenderNode).RenderNode!.Message.Entries;

    private string Dump(bool withKfd)
    {
        string folder = Path.Combine(Folder, withKfd ? "both" : "node");
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            if (withKfd)
            {
                File.WriteAllBytes(Path.Combine(folder, "amdgpu-kfd-5.img"), KfdImages.WithPrivateData(KfdBos));
            }

            File.WriteAllBytes(Path.Combine(folder, "amdgpu-renderD-7.img"), CriuImages.File(RenderNodeStoreTests.Node(NodeBos, _ => 1)));
        }

        return folder;
    }
}
