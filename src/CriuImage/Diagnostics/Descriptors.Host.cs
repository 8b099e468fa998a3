namespace CriuImage.Diagnostics;

public static partial class Descriptors
{
    // Restore on a target host: CRIU's GPU matching (CRI4xx, docs/diagnostics.md; CriuImage.Topology.HostCheck).
    /// <summary>CRI401: The target has another number of GPUs.</summary>
    public static readonly DiagnosticDescriptor GpuCountMismatch = new("CRI401", "GpuCountMismatch", "The target has another number of GPUs", Severity.Error) { Source = "topology.c:1391-1404" };
    /// <summary>CRI402: The target has fewer XGMI hives.</summary>
    public static readonly DiagnosticDescriptor HiveCountMismatch = new("CRI402", "HiveCountMismatch", "The target has fewer XGMI hives", Severity.Error) { Source = "topology.c:1406-1410" };
    /// <summary>CRI403: A GPU property rules out every candidate.</summary>
    public static readonly DiagnosticDescriptor PropertyMismatch = new("CRI403", "PropertyMismatch", "A GPU property rules out every candidate", Severity.Error) { Source = "topology.c:991-1012" };
    /// <summary>CRI404: The io_links rule out every candidate.</summary>
    public static readonly DiagnosticDescriptor IoLinkMismatch = new("CRI404", "IoLinkMismatch", "The io_links rule out every candidate", Severity.Error) { Source = "topology.c:1073-1077" };
    /// <summary>CRI405: A checkpointed XGMI hive fits no target hive.</summary>
    public static readonly DiagnosticDescriptor HiveNotPlaced = new("CRI405", "HiveNotPlaced", "A checkpointed XGMI hive fits no target hive", Severity.Error) { Source = "topology.c:1274-1349" };
    /// <summary>CRI406: CRIU's GPU search never ends.</summary>
    public static readonly DiagnosticDescriptor SearchNeverEnds = new("CRI406", "SearchNeverEnds", "CRIU's GPU search never ends", Severity.Error) { Source = "topology.c:1182-1247" };
    /// <summary>CRI407: CRIU misses a mapping that exists.</summary>
    public static readonly DiagnosticDescriptor SearchMissesMapping = new("CRI407", "SearchMissesMapping", "CRIU misses a mapping that exists", Severity.Error) { Source = "topology.c:1328-1335" };
    /// <summary>CRI408: No one-to-one assignment of the GPUs exists.</summary>
    public static readonly DiagnosticDescriptor NoAssignment = new("CRI408", "NoAssignment", "No one-to-one assignment of the GPUs exists", Severity.Error) { Source = "topology.c:1436-1439" };
    /// <summary>CRI409: Target render minor outside 128..255.</summary>
    public static readonly DiagnosticDescriptor TargetRenderMinorOutOfRange = new("CRI409", "TargetRenderMinorOutOfRange", "Target render minor outside 128..255", Severity.Error) { Source = "topology.c:53-57" };
    /// <summary>CRI410: CRIU cannot parse the target's topology.</summary>
    public static readonly DiagnosticDescriptor TopologyUnparsable = new("CRI410", "TopologyUnparsable", "CRIU cannot parse the target's topology", Severity.Error) { Source = "topology.c:419-448" };
    /// <summary>CRI411: Restores only because a KFD_*_CHECK switch is off.</summary>
    public static readonly DiagnosticDescriptor CheckSwitchedOff = new("CRI411", "CheckSwitchedOff", "Restores only because a KFD_*_CHECK switch is off", Severity.Warning) { Source = "device_properties_match" };
    /// <summary>CRI412: A KFD_*_CHECK value CRIU ignores.</summary>
    public static readonly DiagnosticDescriptor IgnoredSwitchValue = new("CRI412", "IgnoredSwitchValue", "A KFD_*_CHECK value CRIU ignores", Severity.Warning) { Source = "amdgpu_plugin.c:309-322" };
    /// <summary>CRI413: The GPU map depends on the target's directory order.</summary>
    public static readonly DiagnosticDescriptor MapDependsOnOrder = new("CRI413", "MapDependsOnOrder", "The GPU map depends on the target's directory order", Severity.Note) { Source = "topology_parse" };
    /// <summary>CRI414: CRIU's GPU search crashes.</summary>
    public static readonly DiagnosticDescriptor SearchCrashes = new("CRI414", "SearchCrashes", "CRIU's GPU search crashes", Severity.Error) { Source = "topology.c:871-888" };
    /// <summary>CRI415: The replay of CRIU's search gave up undecided.</summary>
    public static readonly DiagnosticDescriptor SearchUndecided = new("CRI415", "SearchUndecided", "The replay of CRIU's search gave up undecided", Severity.Warning) { Source = "set_restore_gpu_maps" };
    /// <summary>CRI416: A render node with BOs, on a target kernel without the CRIU GEM interface.</summary>
    public static readonly DiagnosticDescriptor TargetLacksGemCriu = new("CRI416", "TargetLacksGemCriu", "A render node with BOs, on a target kernel without the CRIU GEM interface", Severity.Error) { Source = "plugins/amdgpu/amdgpu_plugin_drm.c:439-569", Check = new("-EINVAL", "drm_ioctl refuses DRM_IOCTL_GEM_CHANGE_HANDLE (nr 0xd2): before 6.18 nr >= DRM_CORE_IOCTL_COUNT; from 6.18.36, 7.0.13 and 7.1 its handler is drm_invalid_op") };
    /// <summary>CRI417: The target's KFD ioctl version is unknown.</summary>
    public static readonly DiagnosticDescriptor KfdVersionUnknown = new("CRI417", "KfdVersionUnknown", "The target's KFD ioctl version is unknown", Severity.Note) { Source = "amdgpu_plugin.c:1336-1370" };
    /// <summary>CRI418: The target's kernel is unknown: render-node interfaces not checked.</summary>
    public static readonly DiagnosticDescriptor TargetKernelUnknown = new("CRI418", "TargetKernelUnknown", "The target's kernel is unknown: render-node interfaces not checked", Severity.Note) { Source = "plugins/amdgpu/amdgpu_plugin_drm.c:439-569" };
    /// <summary>CRI419: GPU nodes of the target hidden from the reader.</summary>
    public static readonly DiagnosticDescriptor TargetGpusHidden = new("CRI419", "TargetGpusHidden", "GPU nodes of the target hidden from the reader", Severity.Warning) { Source = "topology.c:960-963" };
    /// <summary>CRI420: Whether the target kernel has DRM_IOCTL_GEM_CHANGE_HANDLE is unknown (its release hides the stable level).</summary>
    public static readonly DiagnosticDescriptor TargetChangeHandleUnknown = new("CRI420", "TargetChangeHandleUnknown", "Whether the target kernel has DRM_IOCTL_GEM_CHANGE_HANDLE is unknown", Severity.Warning) { Source = "amdgpu_plugin_drm.c:501-505" };
}
