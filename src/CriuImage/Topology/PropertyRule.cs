namespace CriuImage.Topology;

/// <summary>How a property of a checkpointed GPU must relate to the target GPU's.</summary>
internal enum PropertyRelation
{
    /// <summary>The values must be equal.</summary>
    Equal,

    /// <summary>The checkpointed value must not exceed the target's.</summary>
    AtMost,
}

/// <summary>
/// One comparison of <c>device_properties_match</c> (amdgpu_plugin_topology.c:991-1012), in CRIU's order.
/// </summary>
/// <param name="Name">The sysfs/protobuf property name.</param>
/// <param name="Relation">Equal, or checkpointed at most target.</param>
/// <param name="Switch">The environment variable that turns the comparison off, or null if it always applies.</param>
/// <param name="Value">Reads the value from a node.</param>
internal sealed record PropertyRule(string Name, PropertyRelation Relation, CheckSwitch? Switch, Func<TopologyNode, ulong> Value)
{
    /// <summary>Every comparison CRIU makes, in the order of its expression.</summary>
    public static IReadOnlyList<PropertyRule> All { get; } =
    [
        new("simd_count", PropertyRelation.Equal, null, n => n.SimdCount),
        new("mem_banks_count", PropertyRelation.Equal, null, n => n.MemBanksCount),
        new("io_links_count", PropertyRelation.Equal, null, n => n.IoLinksCount),
        new("max_waves_per_simd", PropertyRelation.Equal, null, n => n.MaxWavesPerSimd),
        new("lds_size_in_kb", PropertyRelation.Equal, null, n => n.LdsSizeInKb),
        new("wave_front_size", PropertyRelation.Equal, null, n => n.WaveFrontSize),
        new("array_count", PropertyRelation.Equal, null, n => n.ArrayCount),
        new("simd_arrays_per_engine", PropertyRelation.Equal, null, n => n.SimdArraysPerEngine),
        new("cu_per_simd_array", PropertyRelation.Equal, null, n => n.CuPerSimdArray),
        new("simd_per_cu", PropertyRelation.Equal, null, n => n.SimdPerCu),
        new("max_slots_scratch_cu", PropertyRelation.Equal, null, n => n.MaxSlotsScratchCu),
        new("vendor_id", PropertyRelation.Equal, null, n => n.VendorId),
        new("device_id", PropertyRelation.Equal, null, n => n.DeviceId),
        new("num_sdma_engines", PropertyRelation.Equal, null, n => n.NumSdmaEngines),
        new("num_sdma_xgmi_engines", PropertyRelation.Equal, null, n => n.NumSdmaXgmiEngines),
        new("num_sdma_queues_per_engine", PropertyRelation.Equal, null, n => n.NumSdmaQueuesPerEngine),
        new("num_cp_queues", PropertyRelation.Equal, null, n => n.NumCpQueues),
        new("vram_public", PropertyRelation.Equal, null, n => n.VramPublic ? 1UL : 0UL),
        new("capability", PropertyRelation.Equal, CheckSwitch.Capability, n => n.Capability),
        new("vram_size", PropertyRelation.AtMost, CheckSwitch.VramSize, n => n.VramSize),
        new("num_gws", PropertyRelation.AtMost, CheckSwitch.NumGws, n => n.NumGws),
        new("caches_count", PropertyRelation.AtMost, CheckSwitch.CachesCount, n => n.CachesCount),
        new("fw_version", PropertyRelation.AtMost, CheckSwitch.FwVersion, n => n.FwVersion),
        new("sdma_fw_version", PropertyRelation.AtMost, CheckSwitch.SdmaFwVersion, n => n.SdmaFwVersion),
    ];

    /// <summary>True when the two values satisfy the relation.</summary>
    public bool Holds(TopologyNode source, TopologyNode target) => Relation == PropertyRelation.Equal
        ? Value(source) == Value(target)
        : Value(source) <= Value(target);

    /// <summary>True when CRIU compares this property under <paramref name="environment"/>.</summary>
    public bool Applies(MatchEnvironment environment) => Switch is not { } s || environment.IsOn(s);
}
