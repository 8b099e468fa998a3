namespace CriuImage.Verification;

/// <summary>A mapping as the overlap check needs it: an inclusive page range and who it belongs to (24 bytes).</summary>
/// <param name="First">First GPU page.</param>
/// <param name="Last">Last GPU page, inclusive.</param>
/// <param name="Bo">Ordinal of the BO in the image.</param>
/// <param name="Mapping">Index of the VM bucket within its BO.</param>
internal readonly record struct MappingRange(ulong First, ulong Last, int Bo, uint Mapping) : ISpillRecord
{
    /// <summary>The overlap sweep's order: the first page.</summary>
    public ulong SortKey => First;

    /// <summary>Page ranges held in memory before a run is spilled: 12 MiB, and 16 MiB more of sort keys when they come out of order.</summary>
    public const int HeldAtMost = 1 << 19;

    /// <summary>
    /// As <see cref="HeldAtMost"/> beside a render node's BOs, which are in memory already (112 MB at 10^6 BOs, and the
    /// file's 46 MB): 3 MiB, 4 MiB more of sort keys, so that verify and plan of such a node fit a 192 MiB heap.
    /// </summary>
    public const int HeldBesideBos = 1 << 17;
}
