using CriuImage.Abi;

namespace CriuImage.Format;

/// <summary>
/// One BO bucket as the image records it, whatever the revision: fields a revision does not report are
/// null (<see cref="Offset"/> outside criu-2025-06 when the dumper did not add it, <see cref="Alignment"/>
/// outside linux-6.18).
/// </summary>
/// <param name="GemHandle">GEM handle of the BO in the render-node file.</param>
/// <param name="Size">BO size in bytes.</param>
/// <param name="Offset">DRM fake mmap offset, where recorded.</param>
/// <param name="AllocFlags"><see cref="GemCreateFlags"/> as reported.</param>
/// <param name="PreferredDomains"><see cref="GemDomains"/> as reported (32 bits wide before linux-6.18).</param>
/// <param name="Flags"><see cref="BoFlags"/> as reported.</param>
/// <param name="Alignment">linux-6.18 page alignment, in CPU pages.</param>
/// <param name="MappingCount">Number of VM buckets recorded for this BO.</param>
public readonly record struct BoRecord(
    uint GemHandle,
    ulong Size,
    ulong? Offset,
    ulong AllocFlags,
    ulong PreferredDomains,
    uint Flags,
    ulong? Alignment,
    uint MappingCount)
{
    /// <summary>
    /// The BO's GPU virtual address as CRIU records it in its own image (<c>drm_bo_entry.addr</c>), where
    /// the image was imported from a CRIU dump; null otherwise. Format 1.1 only (FORMAT.md section 5.1).
    /// </summary>
    public ulong? Addr { get; init; }

    /// <summary>The record of a criu-2025-06 bucket.</summary>
    public static BoRecord From(in Criu202506BoBucket bucket, uint mappingCount) =>
        new(bucket.GemHandle, bucket.Size, bucket.Offset, bucket.AllocFlags, bucket.PreferredDomains, bucket.Flags, null, mappingCount);

    /// <summary>The record of a criu-v8 bucket, with the mmap offset where the dumper got it from GEM_MMAP.</summary>
    public static BoRecord From(in CriuV8BoBucket bucket, ulong? mmapOffset, uint mappingCount) =>
        new(bucket.GemHandle, bucket.Size, mmapOffset, bucket.AllocFlags, bucket.PreferredDomains, bucket.Flags, null, mappingCount);

    /// <summary>The record of a linux-6.18 GEM_LIST_HANDLES entry, with the mmap offset where the dumper got it from GEM_MMAP.</summary>
    public static BoRecord From(in GemListHandlesEntry entry, ulong? mmapOffset, uint mappingCount) =>
        new(entry.GemHandle, entry.Size, mmapOffset, entry.AllocFlags, entry.PreferredDomains, entry.Flags, entry.Alignment, mappingCount);
}
