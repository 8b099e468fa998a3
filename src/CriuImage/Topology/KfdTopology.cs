namespace CriuImage.Topology;

/// <summary>
/// A KFD topology as CRIU's amdgpu plugin holds it (<c>struct tp_system</c>): the nodes in the order CRIU
/// met them (the sysfs <c>readdir</c> order on a host, the image order in a checkpoint). Order matters:
/// CRIU never sorts, and the GPU it picks for each checkpointed GPU is the first that fits in this order.
/// </summary>
/// <param name="Nodes">The nodes, CPUs and GPUs, in order.</param>
public sealed record KfdTopology(IReadOnlyList<TopologyNode> Nodes)
{
    /// <summary>Where the nodes' order came from, for messages (for example "readdir of /sys/...").</summary>
    public string Order { get; init; } = "as given";

    /// <summary>The host's kernel release, when the input recorded it (a host snapshot does).</summary>
    public string? KernelRelease { get; init; }

    /// <summary>
    /// The nodes whose <c>gpu_id</c> the reader was refused (EPERM or EACCES): GPUs its device cgroup hides
    /// (kfd_topology.c <c>node_show</c>). They are not in <see cref="Nodes"/>, as CRIU skips them
    /// (topology.c:960-963); a CRIU whose device cgroup allows them counts them.
    /// </summary>
    public IReadOnlyList<uint> HiddenGpuNodes { get; init; } = [];

    /// <summary>The GPU nodes, in order.</summary>
    public IEnumerable<TopologyNode> Gpus => Nodes.Where(n => n.IsGpu);

    /// <summary>
    /// The topology a checkpoint taken on this host would carry (<c>topology_to_devinfo</c>,
    /// amdgpu_plugin.c:181-253, then <c>devinfo_to_topology</c>, :255-307): every node in order, GPUs with
    /// all their properties, CPUs with only <c>cpu_cores_count</c>, and only the links whose peer node exists.
    /// gpu_ids are kept: on the checkpoint host the process's gpu_ids are the host's.
    /// </summary>
    public KfdTopology AsCheckpointed()
    {
        var ids = Nodes.Select(n => n.NodeId).ToHashSet();
        var nodes = Nodes.Select(n =>
        {
            TopologyLink[] links = [.. n.Links.Where(l => ids.Contains(l.NodeTo))];
            return n.IsGpu
                ? Copy(n, links)
                : new TopologyNode { NodeId = n.NodeId, GpuId = 0, CpuCoresCount = n.CpuCoresCount, Links = links };
        }).ToArray();
        return this with { Nodes = nodes, Order = $"checkpoint of a host ({Order})" };
    }

    private static TopologyNode Copy(TopologyNode n, TopologyLink[] links) => new()
    {
        NodeId = n.NodeId,
        GpuId = n.GpuId,
        SimdCount = n.SimdCount,
        MemBanksCount = n.MemBanksCount,
        CachesCount = n.CachesCount,
        IoLinksCount = n.IoLinksCount,
        MaxWavesPerSimd = n.MaxWavesPerSimd,
        LdsSizeInKb = n.LdsSizeInKb,
        NumGws = n.NumGws,
        WaveFrontSize = n.WaveFrontSize,
        ArrayCount = n.ArrayCount,
        SimdArraysPerEngine = n.SimdArraysPerEngine,
        CuPerSimdArray = n.CuPerSimdArray,
        SimdPerCu = n.SimdPerCu,
        MaxSlotsScratchCu = n.MaxSlotsScratchCu,
        VendorId = n.VendorId,
        DeviceId = n.DeviceId,
        Domain = n.Domain,
        DrmRenderMinor = n.DrmRenderMinor,
        HiveId = n.HiveId,
        NumSdmaEngines = n.NumSdmaEngines,
        NumSdmaXgmiEngines = n.NumSdmaXgmiEngines,
        NumSdmaQueuesPerEngine = n.NumSdmaQueuesPerEngine,
        NumCpQueues = n.NumCpQueues,
        FwVersion = n.FwVersion,
        Capability = n.Capability,
        SdmaFwVersion = n.SdmaFwVersion,
        VramPublic = n.VramPublic,
        VramSize = n.VramSize,
        Links = links,
    };
}
