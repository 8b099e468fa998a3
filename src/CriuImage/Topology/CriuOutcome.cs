namespace CriuImage.Topology;

/// <summary>How CRIU's GPU matching (<c>set_restore_gpu_maps</c>, amdgpu_plugin_topology.c:1368-1445) ends.</summary>
public enum CriuOutcome
{
    /// <summary>Every checkpointed GPU got a target GPU: the restore goes on.</summary>
    Mapped,

    /// <summary><c>Number of devices mismatch</c> (topology.c:1401-1404).</summary>
    DeviceCountMismatch,

    /// <summary><c>Number of xgmi groups mismatch</c> (topology.c:1406-1410).</summary>
    HiveCountMismatch,

    /// <summary><c>Failed to match all GPU groups</c> (topology.c:1414-1417).</summary>
    HivesNotMatched,

    /// <summary><c>Failed to match remaining nodes</c> (topology.c:1436-1439).</summary>
    RemainingNotMatched,

    /// <summary>The search never returns: the restore spins at 100% CPU with no message.</summary>
    NeverEnds,

    /// <summary>CRIU's lists are corrupted and it follows a poisoned or foreign pointer: the restore crashes.</summary>
    Crashes,

    /// <summary>CRIU cannot parse the target's topology and stops before matching (<c>Failed to parse local system topology</c>, amdgpu_plugin.c:1986-1989).</summary>
    TargetUnparsable,

    /// <summary>The replay gave up after its step budget without deciding (not seen on real topologies).</summary>
    Undecided,
}
