using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;

namespace CriuImage.Verification;

/// <summary>
/// The rules over a whole image rather than one record, written once for verify (<see cref="ImageVerifier"/>)
/// and the restore plan (RestorePlan): CRI105, a GEM handle that appears again, and
/// CRI205, two mappings that share a page.
/// </summary>
internal sealed class ImageWideRules
{
    private readonly RenderNodeBos _bos;
    private readonly FirstHandles _first;

    /// <summary>
    /// The rules over a render node's BOs, taken in order by index (<see cref="CheckHandle(int)"/>): no record kept
    /// per BO. An image read from its file has CRI105 from verify's table (<see cref="BoTable"/>) and plan's sorted
    /// handles (PlanCallScan).
    /// </summary>
    public ImageWideRules(RenderNodeBos bos)
    {
        _bos = bos;
        _first = new FirstHandles(bos);
    }

    /// <summary>CRI105 for BO <paramref name="index"/> of the render node when an earlier BO has its handle; null for a handle seen first.</summary>
    public Diagnostic? CheckHandle(int index)
    {
        if (_first.TryTake(index, out int first))
        {
            return null;
        }

        DrmBo bo = _bos.At(index);
        return Duplicate(bo.Handle, _bos.At(first).ByteOffset, bo.ByteOffset);
    }

    /// <summary>CRI105 for the BO at <paramref name="offset"/>, whose handle the BO at <paramref name="firstAt"/> had first.</summary>
    internal static Diagnostic Duplicate(uint handle, long firstAt, long offset) =>
        new(Descriptors.DuplicateGemHandle, $"GEM handle {handle} appears again (first at byte {firstAt}); handles are unique within a render-node file")
        {
            GemHandle = handle,
            ByteOffset = offset,
            Call = RestoreCall.ChangeHandle,
        };

    /// <summary>
    /// CRI205 for each pair of overlapping mappings of <paramref name="ranges"/>, the one CRIU maps later at fault
    /// (<see cref="MappedLater"/>), into the sink of that mapping (as the dump rules take the sink of the file a
    /// finding names). Findings are built while the sink lists them; once it stops, that sink counts the pairs left.
    /// </summary>
    /// <param name="ranges">The mappings' page ranges.</param>
    /// <param name="handleOf">The GEM handle of a range's <see cref="MappingRange.Bo"/>.</param>
    /// <param name="sinkOf">The sink of the mapping at fault: verify's one bag per file, or the restore plan's refusals of that mapping's GEM_VA call.</param>
    public static void CheckOverlaps(SpillBuffer<MappingRange> ranges, Func<int, uint> handleOf, Func<MappingRange, IDiagnosticSink> sinkOf)
    {
        IDiagnosticSink? full = null;
        long listed = 0;
        long pairs = OverlapSweep.Pairs(ranges, (first, second) =>
        {
            (MappingRange range, MappingRange other) = MappedLater(first, second) ? (first, second) : (second, first);
            IDiagnosticSink sink = sinkOf(range);
            if (!sink.Lists(Descriptors.MappingOverlap))
            {
                full = sink;
                return false;
            }

            sink.Add(Overlap(range, handleOf(range.Bo), other, handleOf(other.Bo)));
            listed++;
            return true;
        });
        if (pairs > listed)
        {
            full!.Count(Descriptors.MappingOverlap, pairs - listed);
        }
    }

    /// <summary>
    /// Whether CRIU maps <paramref name="a"/> after <paramref name="b"/>: its GEM_VA calls follow the image's BOs in
    /// order, each BO's mappings in order. The kernel refuses that later call, finding the earlier mapping in the
    /// VM's tree (amdgpu_vm_bo_map), whichever of the two starts lower.
    /// </summary>
    public static bool MappedLater(in MappingRange a, in MappingRange b) => (a.Bo, a.Mapping).CompareTo((b.Bo, b.Mapping)) > 0;

    /// <summary>CRI205 for <paramref name="range"/> (of the BO with <paramref name="handle"/>), which overlaps <paramref name="other"/>, mapped before it.</summary>
    public static Diagnostic Overlap(in MappingRange range, uint handle, in MappingRange other, uint otherHandle) =>
        new(Descriptors.MappingOverlap,
            $"mapping {range.Mapping} of BO {handle} (pages 0x{range.First:x}-0x{range.Last:x}) overlaps mapping {other.Mapping} of BO {otherHandle} (pages 0x{other.First:x}-0x{other.Last:x}) on pages 0x{Math.Max(range.First, other.First):x}-0x{Math.Min(range.Last, other.Last):x}")
        {
            GemHandle = handle,
            Mapping = range.Mapping,
            Related = [new RelatedLocation(otherHandle, other.Mapping)],
            Call = RestoreCall.GemVa,
        };

    /// <summary>CRI205 for <paramref name="range"/>'s overlaps with <paramref name="more"/> earlier mappings beyond the <paramref name="listed"/> listed.</summary>
    public static Diagnostic UnlistedOverlaps(in MappingRange range, uint handle, long more, int listed) =>
        new(Descriptors.MappingOverlap, $"mapping {range.Mapping} of BO {handle} (pages 0x{range.First:x}-0x{range.Last:x}) overlaps {more} more earlier mappings, not listed (the first {listed} are)")
        {
            GemHandle = handle,
            Mapping = range.Mapping,
            Call = RestoreCall.GemVa,
        };
}
