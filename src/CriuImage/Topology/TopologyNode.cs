namespace CriuImage.Topology;

/// <summary>
/// One node of a KFD topology with exactly the values CRIU's amdgpu plugin keeps (<c>struct tp_node</c>,
/// plugins/amdgpu/amdgpu_plugin_topology.h): a CPU when <see cref="GpuId"/> is 0, else a GPU.
/// </summary>
/// <remarks>
/// From a checkpoint, each <c>kfd_device_entry</c> becomes one node the way CRIU's <c>devinfo_to_topology</c>
/// does it (amdgpu_plugin.c:255-307): <see cref="NodeId"/> = <c>node_id</c>, <see cref="GpuId"/> = <c>gpu_id</c>;
/// when <c>cpu_cores_count != 0</c> only <see cref="CpuCoresCount"/> is copied (every other value stays 0),
/// otherwise every property below is copied from the field of the same name (<c>simd_count</c> ..
/// <c>sdma_fw_version</c>, <c>hive_id</c>, <c>vram_size</c>; <see cref="VramPublic"/> = <c>vram_public != 0</c>)
/// and <see cref="CpuCoresCount"/> stays 0; <c>gds_size_in_kb</c> is never used. Each <c>iolinks[j]</c>
/// becomes <c>new TopologyLink(type, node_to_id)</c>, in the same order. Entries keep the image's order.
/// </remarks>
public sealed class TopologyNode
{
    /// <summary>The node id: the sysfs folder number <c>nodes/N</c>.</summary>
    public required uint NodeId { get; init; }

    /// <summary>The KFD gpu_id; 0 for a CPU node.</summary>
    public required uint GpuId { get; init; }

    /// <summary>True for a GPU (<c>NODE_IS_GPU</c>: gpu_id != 0).</summary>
    public bool IsGpu => GpuId != 0;

    /// <summary><c>cpu_cores_count</c>.</summary>
    public uint CpuCoresCount { get; init; }

    /// <summary><c>simd_count</c>.</summary>
    public uint SimdCount { get; init; }

    /// <summary><c>mem_banks_count</c>.</summary>
    public uint MemBanksCount { get; init; }

    /// <summary><c>caches_count</c>.</summary>
    public uint CachesCount { get; init; }

    /// <summary><c>io_links_count</c> (the property file's value, not the number of links kept).</summary>
    public uint IoLinksCount { get; init; }

    /// <summary><c>max_waves_per_simd</c>.</summary>
    public uint MaxWavesPerSimd { get; init; }

    /// <summary><c>lds_size_in_kb</c>.</summary>
    public uint LdsSizeInKb { get; init; }

    /// <summary><c>num_gws</c>.</summary>
    public uint NumGws { get; init; }

    /// <summary><c>wave_front_size</c>.</summary>
    public uint WaveFrontSize { get; init; }

    /// <summary><c>array_count</c>.</summary>
    public uint ArrayCount { get; init; }

    /// <summary><c>simd_arrays_per_engine</c>.</summary>
    public uint SimdArraysPerEngine { get; init; }

    /// <summary><c>cu_per_simd_array</c>.</summary>
    public uint CuPerSimdArray { get; init; }

    /// <summary><c>simd_per_cu</c>.</summary>
    public uint SimdPerCu { get; init; }

    /// <summary><c>max_slots_scratch_cu</c>.</summary>
    public uint MaxSlotsScratchCu { get; init; }

    /// <summary><c>vendor_id</c> (PCI vendor).</summary>
    public uint VendorId { get; init; }

    /// <summary><c>device_id</c> (PCI device).</summary>
    public uint DeviceId { get; init; }

    /// <summary><c>domain</c> (PCI domain); never compared.</summary>
    public uint Domain { get; init; }

    /// <summary><c>drm_render_minor</c>; never compared, used to open the render node after matching.</summary>
    public uint DrmRenderMinor { get; init; }

    /// <summary><c>hive_id</c> (64 bits); never compared: hives are found from the XGMI links.</summary>
    public ulong HiveId { get; init; }

    /// <summary><c>num_sdma_engines</c>.</summary>
    public uint NumSdmaEngines { get; init; }

    /// <summary><c>num_sdma_xgmi_engines</c>.</summary>
    public uint NumSdmaXgmiEngines { get; init; }

    /// <summary><c>num_sdma_queues_per_engine</c>.</summary>
    public uint NumSdmaQueuesPerEngine { get; init; }

    /// <summary><c>num_cp_queues</c>.</summary>
    public uint NumCpQueues { get; init; }

    /// <summary><c>fw_version</c> (MEC firmware).</summary>
    public uint FwVersion { get; init; }

    /// <summary><c>capability</c>.</summary>
    public uint Capability { get; init; }

    /// <summary><c>sdma_fw_version</c>.</summary>
    public uint SdmaFwVersion { get; init; }

    /// <summary>The first frame-buffer bank is public (heap_type 1) rather than private (2).</summary>
    public bool VramPublic { get; init; }

    /// <summary><c>size_in_bytes</c> of the first frame-buffer bank.</summary>
    public ulong VramSize { get; init; }

    /// <summary>The node's links, in directory (or image) order.</summary>
    public IReadOnlyList<TopologyLink> Links { get; init; } = [];

    /// <summary>A GPU's name for messages: its gpu_id as <see cref="GpuIdText"/> writes it.</summary>
    public string Label => IsGpu ? GpuIdText(GpuId) : $"CPU node {NodeId}";

    /// <summary>A gpu_id in at least four hex digits, lower case as every other number in hex the tool prints (CRIU's log writes <c>0x%04X</c>).</summary>
    public static string GpuIdText(uint gpuId) => $"0x{gpuId:x4}";
}
