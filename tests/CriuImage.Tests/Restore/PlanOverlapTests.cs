using CriuImage.Abi;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Restore;

namespace CriuImage.Tests;

/// <summary>
/// A plan lists at most <see cref="OverlapRefusal.ListedPerCall"/> overlaps per GEM_VA call, the earliest mappings
/// first, then counts the rest in one refusal: an image of many identical mappings no longer holds a finding per
/// pair (3,000 of them took 1.8 GB). The refused calls and their order are the same whether the refusals stayed in
/// memory or were spilled to disk.
/// </summary>
public class PlanOverlapTests
{
    [Theory]
    [InlineData(25)]
    [InlineData(7000)] // 7,000 mappings make more than 65,536 refusal records: they are spilled to disk and merged back
    public async Task IdenticalMappings_ListTheFirstOverlaps_AndCountTheRest(int mappings)
    {
        StreamedRestorePlan plan = StreamedRestorePlan.Create(await IdenticalMappings(mappings), "identical.img");
        Assert.Equal(mappings - 1, plan.RefusedCalls);
        long gemVa = 0;
        plan.ForEachCall(call =>
        {
            if (call.Call != RestoreCall.GemVa)
            {
                Assert.Empty(call.Refusals);
                return;
            }

            uint m = call.Mapping!.Value;
            Assert.Equal(gemVa++, m);
            int listed = (int)Math.Min(m, OverlapRefusal.ListedPerCall);
            Assert.Equal(listed + (m > OverlapRefusal.ListedPerCall ? 1 : 0), call.Refusals.Count);
            for (int i = 0; i < listed; i++)
            {
                Assert.Equal(Descriptors.MappingOverlap, call.Refusals[i].Descriptor);
                Assert.Contains($"mapping {m} of BO 1 (pages 0x1000-0x100f) overlaps mapping {i} of BO 1 ", call.Refusals[i].Message, StringComparison.Ordinal);
            }

            if (m > OverlapRefusal.ListedPerCall)
            {
                Assert.Equal($"mapping {m} of BO 1 (pages 0x1000-0x100f) overlaps {m - OverlapRefusal.ListedPerCall} more earlier mappings, not listed (the first {OverlapRefusal.ListedPerCall} are)", call.Refusals[^1].Message);
            }
        });
        Assert.Equal(mappings, gemVa);
    }

    /// <summary>One BO whose mappings all cover pages 0x1000-0x100f.</summary>
    private static async Task<byte[]> IdenticalMappings(int mappings)
    {
        var bo = new CriuV8BoBucket { GemHandle = 1, Size = 16 * 4096, PreferredDomains = (uint)GemDomains.Vram };
        var vm = new CriuVmBucket { Start = 0x1000, Last = 0x100F, Offset = 0, Flags = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable) };
        using var image = new MemoryStream();
        await using (ImageWriter writer = ImageWriter.Create(image, new ImageHeader(AbiRevision.CriuV8), leaveOpen: true))
        {
            writer.WriteBo(bo, 0x1_0000_0000, Enumerable.Repeat(vm, mappings).ToArray());
            await writer.CompleteAsync();
        }

        return image.ToArray();
    }
}
