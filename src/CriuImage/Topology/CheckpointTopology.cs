using CriuImage.Criu;

namespace CriuImage.Topology;

/// <summary>
/// The checkpointed topology of a dump, built from its <c>kfd_device_entry</c>s exactly as CRIU's
/// <c>devinfo_to_topology</c> builds it at restore (amdgpu_plugin.c:255-307).
/// </summary>
public static class CheckpointTopology
{
    /// <summary>
    /// The topology CRIU's restore builds from <paramref name="kfd"/>: the first <c>num_of_gpus + num_of_cpus</c>
    /// device entries (amdgpu_plugin.c:1979 passes that count, not the list's length; a count above the list
    /// is CRI307 and CRIU reads past its array, so only the entries present are taken).
    /// </summary>
    public static KfdTopology FromKfd(CriuKfd kfd)
    {
        ArgumentNullException.ThrowIfNull(kfd);
        long count = Math.Min((long)kfd.NumOfGpus + kfd.NumOfCpus, kfd.DeviceEntries.Count);
        return FromDeviceEntries(kfd.DeviceEntries.Take((int)count));
    }

    /// <summary>
    /// One node per entry, in the image's order (docs/host-check.md, "Library"): the ids and links always;
    /// when <c>cpu_cores_count != 0</c> only that count, otherwise every compared property. A node is a GPU
    /// iff its gpu_id is not 0 (<c>NODE_IS_GPU</c>), whatever <c>cpu_cores_count</c> says.
    /// </summary>
    public static KfdTopology FromDeviceEntries(IEnumerable<KfdDeviceEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return new KfdTopology([.. entries.Select(ToNode)]) { Order = "the checkpoint's device entries" };
    }

    private static TopologyNode ToNode(KfdDeviceEntry e)
    {
        TopologyLink[] links = [.. e.Iolinks.Select(l => new TopologyLink(l.Type, l.NodeToId))];
        if (e.CpuCoresCount != 0)
        {
            return new TopologyNode { NodeId = e.NodeId, GpuId = e.GpuId, CpuCoresCount = e.CpuCoresCount, Links = links };
        }

        return new TopologyNode
        {
            NodeId = e.NodeId,
            GpuId = e.GpuId,
            SimdCount = e.SimdCount,
            MemBanksCount = e.MemBanksCount,
            CachesCount = e.CachesCount,
            IoLinksCount = e.IoLinksCount,
            MaxWavesPerSimd = e.MaxWavesPerSimd,
            LdsSizeInKb = e.LdsSizeInKb,
            NumGws = e.NumGws,
            WaveFrontSize = e.WaveFrontSize,
            ArrayCount = e.ArrayCount,
            SimdArraysPerEngine = e.SimdArraysPerEngine,
            CuPerSimdArray = e.CuPerSimdArray,
            SimdPerCu = e.SimdPerCu,
            MaxSlotsScratchCu = e.MaxSlotsScratchCu,
            VendorId = e.VendorId,
            DeviceId = e.DeviceId,
            Domain = e.Domain,
            DrmRenderMinor = e.DrmRenderMinor,
            HiveId = e.HiveId,
            NumSdmaEngines = e.NumSdmaEngines,
            NumSdmaXgmiEngines = e.NumSdmaXgmiEngines,
            NumSdmaQueuesPerEngine = e.NumSdmaQueuesPerEngine,
            NumCpQueues = e.NumCpQueues,
            FwVersion = e.FwVersion,
            Capability = e.Capability,
            SdmaFwVersion = e.SdmaFwVersion,
            VramPublic = e.VramPublic != 0,
            VramSize = e.VramSize,
            Links = links,
        };
    }
}
