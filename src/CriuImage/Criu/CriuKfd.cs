namespace CriuImage.Criu;

/// <summary>
/// CRIU's <c>criu_kfd</c> (<c>amdgpu-kfd-&lt;id&gt;.img</c>): the process's KFD state. Counts are as
/// recorded; CRIU does not check them against the lists.
/// </summary>
/// <param name="Pid">Field 1.</param>
/// <param name="NumOfGpus">Field 2.</param>
/// <param name="NumOfCpus">Field 3.</param>
/// <param name="DeviceEntries">Field 4, topology nodes.</param>
/// <param name="NumOfBos">Field 5.</param>
/// <param name="BoEntries">Field 6.</param>
/// <param name="NumOfObjects">Field 7.</param>
/// <param name="SharedMemSize">Field 8.</param>
/// <param name="SharedMemMagic">Field 9.</param>
/// <param name="PrivData">Field 10, the kernel's opaque private data.</param>
public sealed record CriuKfd(uint Pid, uint NumOfGpus, uint NumOfCpus, IReadOnlyList<KfdDeviceEntry> DeviceEntries, ulong NumOfBos,
    IReadOnlyList<KfdBoEntry> BoEntries, uint NumOfObjects, ulong SharedMemSize, uint SharedMemMagic, ReadOnlyMemory<byte> PrivData)
{
    private KfdPrivateBytes _private = KfdPrivateBytes.Of(PrivData);
    private KfdBoList _bos = KfdBoList.Of(BoEntries);

    /// <summary>Field 6. An image read from a file keeps each entry as 48 bytes of values, some past a budget in a scratch file (<see cref="Bos"/>): an entry asked for here is made anew.</summary>
    public IReadOnlyList<KfdBoEntry> BoEntries
    {
        get => _bos;
        init => _bos = KfdBoList.Of(value);
    }

    /// <summary>The BO entries as values, for the rules' walks.</summary>
    internal KfdBoList Bos => _bos;

    /// <summary>
    /// Field 10, the kernel's opaque private data. An image read from a file keeps only where these bytes are
    /// (272 a BO on 6.12+): asking for them here reads them all into memory.
    /// </summary>
    public ReadOnlyMemory<byte> PrivData
    {
        get => _private.ToMemory();
        init => _private = KfdPrivateBytes.Of(value);
    }

    /// <summary>The private data where it lies, read by the walks of the kernel's restore without holding it.</summary>
    internal KfdPrivateBytes Private
    {
        get => _private;
        init => _private = value;
    }

    /// <summary>Offset of field 5 (num_of_bos) in the file, where the count can be blamed.</summary>
    public long NumOfBosOffset { get; init; }

    /// <summary>Offset of field 2 (num_of_gpus) in the file.</summary>
    public long NumOfGpusOffset { get; init; }
}

/// <summary>CRIU's <c>kfd_bo_entry</c>: one KFD BO (amdgpu_plugin.c, save_bos).</summary>
/// <param name="Addr">Field 1, GPU virtual address.</param>
/// <param name="Size">Field 2, bytes.</param>
/// <param name="Offset">Field 3: mmap offset; for doorbell and MMIO BOs the mmap type in its top bits, for userptr BOs the CPU address.</param>
/// <param name="AllocFlags">Field 4, <c>KFD_IOC_ALLOC_MEM_FLAGS_*</c>.</param>
/// <param name="GpuId">Field 5.</param>
/// <param name="Handle">Field 6 (criu-dev, d5377d5d2): the GEM handle, 0xFFFFFFFF without a dma-buf; null in released dumps.</param>
/// <param name="IsImport">Field 7 (d5377d5d2 only); null otherwise.</param>
public sealed record KfdBoEntry(ulong Addr, ulong Size, ulong Offset, uint AllocFlags, uint GpuId, uint? Handle, uint? IsImport)
{
    /// <summary><c>KFD_IOC_ALLOC_MEM_FLAGS_VRAM</c>.</summary>
    public const uint FlagVram = 1u << 0;

    /// <summary><c>KFD_IOC_ALLOC_MEM_FLAGS_GTT</c>.</summary>
    public const uint FlagGtt = 1u << 1;

    /// <summary>Offset of the entry in its file.</summary>
    public long ByteOffset { get; init; }

    /// <summary>True when the plugin copies its contents into the KFD pages file (VRAM or GTT; amdgpu_plugin.c, dump_bo_contents).</summary>
    public bool HasContents => (AllocFlags & (FlagVram | FlagGtt)) != 0;
}

/// <summary>CRIU's <c>criu_dmabuf_node</c> (<c>amdgpu-dmabuf_&lt;id&gt;.img</c>, criu-dev after 9e404e208).</summary>
/// <param name="GemHandle">Field 1: the GEM handle of the BO the dma-buf exports.</param>
public sealed record CriuDmabufNode(uint GemHandle);
