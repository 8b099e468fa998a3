using CriuImage.Diagnostics;
using CriuImage.Verification;

namespace CriuImage.Restore;

/// <summary>
/// A plan's CRI205 refusal of a GEM_VA call, kept as the data its message is made from (72 bytes, spilled to disk
/// past a budget) rather than as a finding: one per listed overlapping pair, and one that counts a call's pairs past
/// <see cref="ListedPerCall"/>. Ordered by the call they refuse.
/// </summary>
/// <param name="Call">The index of the refused GEM_VA call.</param>
/// <param name="Range">The refused mapping's pages.</param>
/// <param name="Handle">The saved handle of its BO.</param>
/// <param name="Other">The earlier mapping it overlaps (unused in a count).</param>
/// <param name="OtherHandle">The saved handle of that mapping's BO.</param>
/// <param name="Unlisted">For a count: the pairs not listed; else 0.</param>
internal readonly record struct OverlapRefusal(long Call, MappingRange Range, uint Handle, MappingRange Other, uint OtherHandle, long Unlisted) : ISpillRecord
{
    /// <summary>
    /// The overlaps listed per call: the kernel refuses the call at the first (amdgpu_vm_bo_map), so more say
    /// little, and a count keeps an image of many identical mappings from holding a finding per pair.
    /// </summary>
    public const int ListedPerCall = 10;

    /// <summary>Records held in memory before a run is spilled (4.5 MiB).</summary>
    public const int HeldAtMost = 1 << 16;

    public ulong SortKey => (ulong)Call;

    /// <summary>The finding the record stands for.</summary>
    public Diagnostic ToDiagnostic() => Unlisted > 0
        ? ImageWideRules.UnlistedOverlaps(Range, Handle, Unlisted, ListedPerCall)
        : ImageWideRules.Overlap(Range, Handle, Other, OtherHandle);
}
