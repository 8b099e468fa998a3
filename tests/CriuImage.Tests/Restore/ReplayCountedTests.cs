using CriuImage.Abi;
using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Input;
using CriuImage.Kernel;
using CriuImage.Restore;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// verify replays CRIU with a log that only counts the calls, and reads a render node's refusals from the plan's
/// survey in call order (<see cref="CallRefusals"/>) instead of making every planned call; plan lists the calls. Both
/// must end the restore alike: the same calls counted, the same end at the same call, the same differences and BOs
/// never begun, on every fixture dump, CRIU, contents path and target, and on render nodes whose refused call comes
/// on a retry pass after BOs skipped.
/// </summary>
public sealed class ReplayCountedTests : TempFolder
{
    private static readonly KernelProfile?[] Targets =
    [
        null,
        KernelProfile.Pre6_18,
        KernelProfile.Linux6_18,
        KernelProfile.ForRelease("6.18.36"),
        KernelProfile.ForRelease("7.1.0-rc7"),
    ];

    public static TheoryData<string> Fixtures =>
        [.. CriuFixtures.Clean.Select(c => c.Folder), .. CriuFixtures.Damaged.Keys.Select(d => $"damaged/{d}"), "damaged/import-by-number", "damaged/no-contents-bos", "damaged/kfd-bo-unmapped-on-mapping"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void TheCountedReplay_EndsAsTheListedOne(string fixture)
    {
        CriuDump dump = Dump(CriuFixtures.Path_(fixture));
        Assert.True(SameEverywhere(dump) > 0);
    }

    [Fact]
    public void ARefusalOnARetryPass_AfterBosSkipped_EndsTheCountedReplayAtTheSameCall()
    {
        // renderD-7's BO 5 imports renderD-8's export: it waits for pass 2, where BOs 1 and 2 are skipped as done.
        // Its mapping is moved onto BO 1's first one, so that GEM_VA is refused (-EINVAL, CRI205) on pass 2.
        string dump = CriuFixtures.CopyTo("criu-dev", Path.Combine(Folder, "dump"));
        CriuDumpRuleTests.EditNode(dump, 7, n => n.BoEntries[2].VmEntries[0].Addr = n.BoEntries[0].VmEntries[0].Addr);
        CriuDump read = Dump(dump);
        DumpRestorePlan plan = DumpRestorePlan.Create(read, new ReplayOptions(CriuVersion.CriuDev, false));
        RestoreEnding end = plan.Sequence!.End;
        Assert.Equal((RestoreEndKind.Fails, "CRI205", -22), (end.How, end.Code!.Id, end.Errno));
        RestoreSequence listed = RestoreReplay.Run(read, plan, CriuVersion.CriuDev, false);
        CriuCall refused = listed.Calls[end.At!.Value];
        Assert.Equal(("DRM_IOCTL_AMDGPU_GEM_VA", 2, -22), (refused.Call, refused.Pass, refused.Ret));
        Assert.True(SameEverywhere(read) > 0);
    }

    [Theory]
    [InlineData(25)]
    [InlineData(7000)] // refusal records spilled to disk and merged back
    public async Task TheFirstRefusals_AreThoseOfThePlannedCalls_AskedForEveryCallOrSome(int mappings)
    {
        var bo = new CriuV8BoBucket { GemHandle = 1, Size = 16 * 4096, PreferredDomains = (uint)GemDomains.Vram };
        var vm = new CriuVmBucket { Start = 0x1000, Last = 0x100F, Offset = 0, Flags = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable) };
        using var image = new MemoryStream();
        await using (ImageWriter writer = ImageWriter.Create(image, new ImageHeader(AbiRevision.CriuV8), leaveOpen: true))
        {
            writer.WriteBo(bo, 0x1_0000_0000, Enumerable.Repeat(vm, mappings).ToArray());
            writer.WriteBo(bo with { GemHandle = 2 }, 0x2_0000_0000, [vm, vm]);
            await writer.CompleteAsync();
        }

        StreamedRestorePlan plan = StreamedRestorePlan.Create(image.ToArray(), "identical.img");
        var planned = new List<Diagnostic?>();
        plan.ForEachCall(call => planned.Add(call.Refusals.Count > 0 ? call.Refusals[0] : null));
        Assert.Equal(mappings + 1, planned.Count(r => r is not null));
        foreach (int step in new[] { 1, 3, 1000 })
        {
            using CallRefusals refusals = plan.FirstRefusals();
            for (int call = 0; call < planned.Count; call += step)
            {
                Diagnostic? first = refusals.First(call);
                Assert.Equal((planned[call]?.Descriptor, planned[call]?.Message), (first?.Descriptor, first?.Message));
            }
        }
    }

    /// <summary>Replays <paramref name="dump"/> counted and listed for every CRIU, path and target, asserts they agree, and returns the replays compared.</summary>
    private static int SameEverywhere(CriuDump dump)
    {
        int compared = 0;
        foreach (CriuVersion? criu in new[] { null, CriuVersion.CriuDev, CriuVersion.V4_2 })
        {
            foreach (bool parallel in new[] { false, true })
            {
                foreach (KernelProfile? target in Targets)
                {
                    DumpRestorePlan plan = DumpRestorePlan.Create(dump, new ReplayOptions(criu, parallel), null, target);
                    if (plan.Sequence is not { } counted)
                    {
                        continue;
                    }

                    RestoreSequence listed = RestoreReplay.Run(dump, plan, counted.Criu, counted.Contents == "parallel", CriuCallLog.Held(), out int count);
                    string what = $"{criu?.Name ?? "writer"}, parallel {parallel}, {target?.Name ?? "default"}";
                    Assert.True(count == listed.Calls.Count && count == counted.Calls.Count, what);
                    Assert.True(counted.End == listed.End, $"{what}: {counted.End} / {listed.End}");
                    Assert.True(counted.Differences.SequenceEqual(listed.Differences), what);
                    Assert.True(Same(counted.BosNotMade, listed.BosNotMade), what);
                    if (listed.End.At is { } at)
                    {
                        Assert.Equal(listed.End.Errno ?? 0, listed.Calls[at].Ret ?? 0);
                    }

                    compared++;
                }
            }
        }

        return compared;
    }

    private static bool Same(IReadOnlyDictionary<string, int>? a, IReadOnlyDictionary<string, int>? b) =>
        a is null || b is null ? a is null && b is null : a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out int n) && n == p.Value);

    private static CriuDump Dump(string folder)
    {
        InputSet inputs = DumpInputs.Collect([folder], new InputOptions(), () => Stream.Null);
        return Assert.Single(InputPlan.Of(inputs).Dumps).Dump;
    }
}
