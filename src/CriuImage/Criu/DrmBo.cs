using CriuImage.Format;

namespace CriuImage.Criu;

/// <summary>
/// One <c>drm_bo_entry</c> as the render-node reader keeps it: its values inline and its mappings a slice of the
/// node's shared mapping store (<see cref="RenderNodeBos"/>). 80 bytes and no object of its own, where a
/// <see cref="CriuBoEntry"/> with its one-mapping array is two objects and 160 bytes.
/// </summary>
internal readonly struct DrmBo
{
    private readonly VmRecord[]? _vms;
    private readonly int _firstVm;
    private readonly int _vmCount;

    private DrmBo(in DrmBo values, VmRecord[] vms, int firstVm, int vmCount)
    {
        this = values;
        _vms = vms;
        _firstVm = firstVm;
        _vmCount = vmCount;
    }

    /// <summary>The entry's <c>addr</c> field.</summary>
    public ulong Addr { get; init; }

    /// <summary>BO size in bytes.</summary>
    public ulong Size { get; init; }

    /// <summary>DRM mmap offset.</summary>
    public ulong Offset { get; init; }

    /// <summary>GEM create flags.</summary>
    public ulong AllocFlags { get; init; }

    /// <summary>Page alignment.</summary>
    public ulong Alignment { get; init; }

    /// <summary>GEM domains.</summary>
    public uint PreferredDomains { get; init; }

    /// <summary>GEM handle.</summary>
    public uint Handle { get; init; }

    /// <summary>Non-zero for an imported dma-buf.</summary>
    public uint IsImport { get; init; }

    /// <summary>The mapping count the plugin recorded.</summary>
    public uint NumOfVms { get; init; }

    /// <summary>Offset of the entry in its file.</summary>
    public long ByteOffset { get; init; }

    /// <summary>The mappings the entry holds.</summary>
    public ReadOnlySpan<VmRecord> VmEntries => new(_vms, _firstVm, _vmCount);

    /// <summary>The values of a public entry (its mappings are the store's to add).</summary>
    public static DrmBo Of(CriuBoEntry bo) => new()
    {
        Addr = bo.Addr,
        Size = bo.Size,
        Offset = bo.Offset,
        AllocFlags = bo.AllocFlags,
        Alignment = bo.Alignment,
        PreferredDomains = bo.PreferredDomains,
        Handle = bo.Handle,
        IsImport = bo.IsImport,
        NumOfVms = bo.NumOfVms,
        ByteOffset = bo.ByteOffset,
    };

    /// <summary>These values with the mappings <paramref name="count"/> records of <paramref name="vms"/> from <paramref name="first"/>.</summary>
    public DrmBo WithVms(VmRecord[] vms, int first, int count) => new(this, vms, first, count);

    /// <summary>The entry as the public object model has it (made on request: a public caller's, or a rare finding's).</summary>
    public CriuBoEntry ToEntry() =>
        new(Addr, Size, Offset, AllocFlags, Alignment, PreferredDomains, Handle, IsImport, NumOfVms, _vmCount == 0 ? [] : VmEntries.ToArray()) { ByteOffset = ByteOffset };
}
