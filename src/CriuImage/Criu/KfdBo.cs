namespace CriuImage.Criu;

/// <summary>
/// One <c>kfd_bo_entry</c> as the KFD reader keeps it (<see cref="KfdBoList"/>): 48 bytes inline and no object of
/// its own, where a <see cref="KfdBoEntry"/> is an object of 72 bytes and a reference of 8. Whether the optional
/// fields 6 and 7 were present rides in the two top bits of the entry's file offset (a file offset never reaches 2^62).
/// </summary>
internal readonly struct KfdBo
{
    private const long HandleBit = 1L << 62;
    private const long IsImportBit = long.MinValue;
    private const long OffsetMask = HandleBit - 1;

    private readonly uint _handle;
    private readonly uint _isImport;
    private readonly long _at;

    public KfdBo(ulong addr, ulong size, ulong offset, uint allocFlags, uint gpuId, uint? handle, uint? isImport, long byteOffset)
    {
        Addr = addr;
        Size = size;
        Offset = offset;
        AllocFlags = allocFlags;
        GpuId = gpuId;
        _handle = handle ?? 0;
        _isImport = isImport ?? 0;
        _at = (byteOffset & OffsetMask) | (handle is null ? 0 : HandleBit) | (isImport is null ? 0 : IsImportBit);
    }

    private KfdBo(in KfdBo values, long present)
    {
        this = values;
        _at |= present;
    }

    /// <summary>Field 1, GPU virtual address.</summary>
    public ulong Addr { get; }

    /// <summary>Field 2, bytes.</summary>
    public ulong Size { get; }

    /// <summary>Field 3, the mmap offset.</summary>
    public ulong Offset { get; }

    /// <summary>Field 4, <c>KFD_IOC_ALLOC_MEM_FLAGS_*</c>.</summary>
    public uint AllocFlags { get; }

    /// <summary>Field 5.</summary>
    public uint GpuId { get; }

    /// <summary>Field 6, or null when absent.</summary>
    public uint? Handle => (_at & HandleBit) != 0 ? _handle : null;

    /// <summary>Field 7, or null when absent.</summary>
    public uint? IsImport => (_at & IsImportBit) != 0 ? _isImport : null;

    /// <summary>Offset of the entry in its file.</summary>
    public long ByteOffset => _at & OffsetMask;

    /// <summary>As <see cref="KfdBoEntry.HasContents"/>.</summary>
    public bool HasContents => (AllocFlags & (KfdBoEntry.FlagVram | KfdBoEntry.FlagGtt)) != 0;

    /// <summary>The values of a public entry.</summary>
    public static KfdBo Of(KfdBoEntry bo) => new(bo.Addr, bo.Size, bo.Offset, bo.AllocFlags, bo.GpuId, bo.Handle, bo.IsImport, bo.ByteOffset);

    /// <summary>
    /// These values with field 6 (<paramref name="handle"/>) and field 7 (<paramref name="isImport"/>) present, reading 0
    /// where the entry lacks them: what the reader makes of a field its revision requires (protobuf-c refuses the file).
    /// </summary>
    public KfdBo Filled(bool handle, bool isImport) =>
        handle || isImport ? new KfdBo(this, (handle ? HandleBit : 0) | (isImport ? IsImportBit : 0)) : this;

    /// <summary>The entry as a public object.</summary>
    public KfdBoEntry ToEntry() => new(Addr, Size, Offset, AllocFlags, GpuId, Handle, IsImport) { ByteOffset = ByteOffset };
}
