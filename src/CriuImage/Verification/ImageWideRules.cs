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
    private readonly Dictionary<uint, long> _firstAt = [];

    /// <summary>CRI105 for the BO record at <paramref name="offset"/> whose handle an earlier BO already has; null for a handle seen first.</summary>
    public Diagnostic? CheckHandle(uint handle, long offset) =>
        _firstAt.TryAdd(handle, offset)
            ? null
            : new Diagnostic(Descriptors.DuplicateGemHandle, $"GEM handle {handle} appears again (first at byte {_firstAt[handle]}); handles are unique within a render-node file")
            {
                GemHandle = handle,
                ByteOffset = offset,
                Call = RestoreCall.ChangeHandle,
            };

    /// <summary>
    /// CRI205 for each pair of overlapping mappings of <paramref name="ranges"/>, the later one at fault, into the sink
    /// of that later mapping (as the dump rules take the sink of the file a finding names). Findings are built while
    /// the sink lists them; once it stops, that sink counts the pairs left.
    /// </summary>
    /// <param name="ranges">The mappings' page ranges.</param>
    /// <param name="handleOf">The GEM handle of a range's <see cref="MappingRange.Bo"/>.</param>
    /// <param name="sinkOf">The sink of the mapping at fault: verify's one bag per file, or the restore plan's refusals of that mapping's GEM_VA call.</param>
    public static void CheckOverlaps(SpillBuffer<MappingRange> ranges, Func<int, uint> handleOf, Func<MappingRange, IDiagnosticSink> sinkOf)
    {
        IDiagnosticSink? full = null;
        long listed = 0;
        long pairs = OverlapSweep.Pairs(ranges, (range, other) =>
        {
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

    /// <summary>CRI205 for <paramref name="range"/> (of the BO with <paramref name="handle"/>), which overlaps the earlier <paramref name="other"/>.</summary>
    public static Diagnostic Overlap(in MappingRange range, uint handle, in MappingRange other, uint otherHandle) =>
        new(Descriptors.MappingOverlap,
            $"mapping {range.Mapping} of BO {handle} (pages 0x{range.First:x}-0x{range.Last:x}) overlaps mapping {other.Mapping} of BO {otherHandle} (pages 0x{other.First:x}-0x{other.Last:x}) on pages 0x{range.First:x}-0x{Math.Min(range.Last, other.Last):x}")
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
