namespace CriuImage.Criu;

/// <summary>
/// CRIU's <c>kfd_device_entry</c>: one topology node as the plugin saved it (amdgpu_plugin.c,
/// topology_to_devinfo), CPU nodes included (they carry only node_id and cpu_cores_count). Every one of
/// the 31 scalars of the .proto, named as there (field numbers 1..31), and the io links (field 32).
/// <c>gds_size_in_kb</c> is never filled by CRIU and reads 0.
/// </summary>
public sealed class KfdDeviceEntry
{
    /// <summary>The .proto names of the scalars, index = field number - 1.</summary>
    public static IReadOnlyList<string> FieldNames { get; } =
    [
        "node_id",
        "gpu_id",
        "cpu_cores_count",
        "simd_count",
        "mem_banks_count",
        "caches_count",
        "io_links_count",
        "max_waves_per_simd",
        "lds_size_in_kb",
        "gds_size_in_kb",
        "num_gws",
        "wave_front_size",
        "array_count",
        "simd_arrays_per_engine",
        "cu_per_simd_array",
        "simd_per_cu",
        "max_slots_scratch_cu",
        "vendor_id",
        "device_id",
        "domain",
        "drm_render_minor",
        "hive_id",
        "num_sdma_engines",
        "num_sdma_xgmi_engines",
        "num_sdma_queues_per_engine",
        "num_cp_queues",
        "fw_version",
        "capability",
        "sdma_fw_version",
        "vram_public",
        "vram_size",
    ];

    private readonly ulong[] _values;

    /// <summary>Builds an entry from its 31 scalar values (index = field number - 1) and io links.</summary>
    public KfdDeviceEntry(IReadOnlyList<ulong> values, IReadOnlyList<DevIolink> iolinks)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(iolinks);
        if (values.Count != FieldNames.Count)
        {
            throw new ArgumentException($"a kfd_device_entry has {FieldNames.Count} scalars, not {values.Count}", nameof(values));
        }

        _values = [.. values];
        Iolinks = iolinks;
    }

    /// <summary>The scalar of field <paramref name="number"/> (1..31) as a 64-bit value.</summary>
    public ulong this[int number] => _values[number - 1];

    /// <summary>True for a GPU node (gpu_id not 0); CPU nodes carry node_id and cpu_cores_count only.</summary>
    public bool IsGpu => GpuId != 0;

    /// <summary>Field 32, <c>iolinks</c>.</summary>
    public IReadOnlyList<DevIolink> Iolinks { get; }

    /// <summary>Offset of the entry in its file.</summary>
    public long ByteOffset { get; init; }

    /// <summary>Field 1, <c>node_id</c>.</summary>
    public uint NodeId => (uint)_values[0];

    /// <summary>Field 2, <c>gpu_id</c>.</summary>
    public uint GpuId => (uint)_values[1];

    /// <summary>Field 3, <c>cpu_cores_count</c>.</summary>
    public uint CpuCoresCount => (uint)_values[2];

    /// <summary>Field 4, <c>simd_count</c>.</summary>
    public uint SimdCount => (uint)_values[3];

    /// <summary>Field 5, <c>mem_banks_count</c>.</summary>
    public uint MemBanksCount => (uint)_values[4];

    /// <summary>Field 6, <c>caches_count</c>.</summary>
    public uint CachesCount => (uint)_values[5];

    /// <summary>Field 7, <c>io_links_count</c>.</summary>
    public uint IoLinksCount => (uint)_values[6];

    /// <summary>Field 8, <c>max_waves_per_simd</c>.</summary>
    public uint MaxWavesPerSimd => (uint)_values[7];

    /// <summary>Field 9, <c>lds_size_in_kb</c>.</summary>
    public uint LdsSizeInKb => (uint)_values[8];

    /// <summary>Field 10, <c>gds_size_in_kb</c>.</summary>
    public uint GdsSizeInKb => (uint)_values[9];

    /// <summary>Field 11, <c>num_gws</c>.</summary>
    public uint NumGws => (uint)_values[10];

    /// <summary>Field 12, <c>wave_front_size</c>.</summary>
    public uint WaveFrontSize => (uint)_values[11];

    /// <summary>Field 13, <c>array_count</c>.</summary>
    public uint ArrayCount => (uint)_values[12];

    /// <summary>Field 14, <c>simd_arrays_per_engine</c>.</summary>
    public uint SimdArraysPerEngine => (uint)_values[13];

    /// <summary>Field 15, <c>cu_per_simd_array</c>.</summary>
    public uint CuPerSimdArray => (uint)_values[14];

    /// <summary>Field 16, <c>simd_per_cu</c>.</summary>
    public uint SimdPerCu => (uint)_values[15];

    /// <summary>Field 17, <c>max_slots_scratch_cu</c>.</summary>
    public uint MaxSlotsScratchCu => (uint)_values[16];

    /// <summary>Field 18, <c>vendor_id</c>.</summary>
    public uint VendorId => (uint)_values[17];

    /// <summary>Field 19, <c>device_id</c>.</summary>
    public uint DeviceId => (uint)_values[18];

    /// <summary>Field 20, <c>domain</c>.</summary>
    public uint Domain => (uint)_values[19];

    /// <summary>Field 21, <c>drm_render_minor</c>.</summary>
    public uint DrmRenderMinor => (uint)_values[20];

    /// <summary>Field 22, <c>hive_id</c>.</summary>
    public ulong HiveId => _values[21];

    /// <summary>Field 23, <c>num_sdma_engines</c>.</summary>
    public uint NumSdmaEngines => (uint)_values[22];

    /// <summary>Field 24, <c>num_sdma_xgmi_engines</c>.</summary>
    public uint NumSdmaXgmiEngines => (uint)_values[23];

    /// <summary>Field 25, <c>num_sdma_queues_per_engine</c>.</summary>
    public uint NumSdmaQueuesPerEngine => (uint)_values[24];

    /// <summary>Field 26, <c>num_cp_queues</c>.</summary>
    public uint NumCpQueues => (uint)_values[25];

    /// <summary>Field 27, <c>fw_version</c>.</summary>
    public uint FwVersion => (uint)_values[26];

    /// <summary>Field 28, <c>capability</c>.</summary>
    public uint Capability => (uint)_values[27];

    /// <summary>Field 29, <c>sdma_fw_version</c>.</summary>
    public uint SdmaFwVersion => (uint)_values[28];

    /// <summary>Field 30, <c>vram_public</c>.</summary>
    public uint VramPublic => (uint)_values[29];

    /// <summary>Field 31, <c>vram_size</c>.</summary>
    public ulong VramSize => _values[30];
}

/// <summary>CRIU's <c>dev_iolink</c>: one valid io link of a topology node.</summary>
/// <param name="Type">Field 1, <c>type</c>.</param>
/// <param name="NodeToId">Field 2, <c>node_to_id</c>.</param>
public sealed record DevIolink(uint Type, uint NodeToId);
