using CriuImage.Format;

namespace CriuImage.Criu;

/// <summary>
/// CRIU's <c>criu_render_node</c> (plugins/amdgpu/criu-amdgpu.proto, criu-dev November 2025): what the
/// amdgpu plugin saves in <c>amdgpu-renderD-&lt;id&gt;.img</c> for one render-node file.
/// </summary>
/// <param name="GpuId">KFD gpu_id of the device.</param>
/// <param name="Id">The file's CRIU id.</param>
/// <param name="DrmRenderMinor">Render node minor.</param>
/// <param name="NumOfBos">The BO count the plugin recorded (not checked by CRIU against the list).</param>
/// <param name="Bos">The BO entries.</param>
public sealed record CriuRenderNode(uint GpuId, uint Id, uint DrmRenderMinor, ulong NumOfBos, IReadOnlyList<CriuBoEntry> Bos)
{
    /// <summary>d5377d5d2 only: field 6, <c>num_of_objects</c>.</summary>
    public uint? NumOfObjects { get; init; }

    /// <summary>d5377d5d2 only: field 7, <c>priv_data</c> (its field 2 is <c>pid</c> where criu-dev has <see cref="Id"/>).</summary>
    public ReadOnlyMemory<byte>? PrivData { get; init; }

    /// <summary>Offset of field 4 (num_of_bos) in the file.</summary>
    public long NumOfBosOffset { get; init; }

    /// <summary>The BO entries as values: the reader's store, or a copy of a list a caller built.</summary>
    internal RenderNodeBos Entries => RenderNodeBos.Of(Bos);
}

/// <summary>CRIU's <c>drm_bo_entry</c>; its <c>vm_entries</c> carry address and size in bytes, as linux-6.18's GEM_OP returns them.</summary>
/// <param name="Addr">The entry's <c>addr</c> field.</param>
/// <param name="Size">BO size in bytes.</param>
/// <param name="Offset">DRM mmap offset.</param>
/// <param name="AllocFlags">GEM create flags.</param>
/// <param name="Alignment">Page alignment.</param>
/// <param name="PreferredDomains">GEM domains.</param>
/// <param name="Handle">GEM handle.</param>
/// <param name="IsImport">Non-zero for an imported dma-buf.</param>
/// <param name="NumOfVms">The mapping count the plugin recorded.</param>
/// <param name="VmEntries">The mappings: addr, size, offset, flags.</param>
public sealed record CriuBoEntry(ulong Addr, ulong Size, ulong Offset, ulong AllocFlags, ulong Alignment, uint PreferredDomains, uint Handle, uint IsImport, uint NumOfVms, VmRecord[] VmEntries)
{
    /// <summary>Offset of the entry in its file (0 where not read from a file).</summary>
    public long ByteOffset { get; init; }
}
