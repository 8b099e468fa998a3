using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;
using CriuImage.Topology;

namespace CriuImage.Verification;

/// <summary>
/// <c>verify --host</c>: each KFD image's GPUs against the target's topology (<see cref="HostCheck"/>), and
/// whether the target kernel has the interfaces CRIU's restore of the dump calls (CRI416-CRI418).
/// </summary>
internal static class HostRules
{
    /// <summary>Checks a KFD image; its findings go to its own bag, located at the device entry of the GPU they name.</summary>
    public static HostVerdict CheckKfd(CriuKfd kfd, HostTarget host, IDiagnosticSink bag)
    {
        HostCheckResult result = host.Check(kfd);
        foreach (HostFinding f in result.Findings)
        {
            KfdDeviceEntry? entry = f.SrcGpuId is { } id ? kfd.DeviceEntries.FirstOrDefault(e => e.GpuId == id) : null;
            bag.Add(new Diagnostic(f.Descriptor, f.Message) { ByteOffset = entry?.ByteOffset });
        }

        bag.Add(new Diagnostic(Descriptors.KfdVersionUnknown, $"the KFD ioctl version of {host.Path} is unknown (neither a topology nor a host snapshot records it): CRIU's restore needs 1.8 or later ('CR not supported on current kernel', kernel_supports_criu, amdgpu_plugin.c:1336-1370)"));
        return new HostVerdict(host.Path, result);
    }

    /// <summary>
    /// A criu-dev render node with BOs needs DRM_IOCTL_GEM_CHANGE_HANDLE at restore: said against the target
    /// kernel (the host's release, else the profile given), or, with a host whose kernel is unknown, that it is unknown.
    /// </summary>
    /// <param name="node">The render node read.</param>
    /// <param name="host">The host to restore on, when given.</param>
    /// <param name="target">The target kernel's profile, when known.</param>
    /// <param name="bag">Where the finding goes.</param>
    /// <param name="words">The caller's words for naming the kernel or what it has (CRI418, CRI420).</param>
    public static void CheckRenderNode(CriuMessageFile<CriuRenderNode> node, HostTarget? host, KernelProfile? target, IDiagnosticSink bag, RemedyWords words)
    {
        if (node.Revisions != CriuRevisions.CriuDev || node.Message.Bos.Count == 0)
        {
            return;
        }

        int count = node.Message.Bos.Count;
        string bos = count == 1 ? "1 BO" : $"{count} BOs";
        string kernel = host?.KernelRelease is { } release ? $"kernel {release}" : target?.Said ?? "";
        if (target is null && host is not null)
        {
            bag.Add(new Diagnostic(Descriptors.TargetKernelUnknown, $"the kernel of {host.Path} is unknown ({words.For(Remedy.TargetKernel)}, or take a host snapshot, which records it): restoring its {bos} needs the 6.18 CRIU GEM interface (DRM_IOCTL_GEM_CHANGE_HANDLE, amdgpu_plugin_drm.c:501-505)") { ByteOffset = CriuHeader.Size });
        }
        else if (target is not null && target with { Kfd = null } == KernelProfile.Pre6_18)
        {
            bag.Add(new Diagnostic(Descriptors.TargetLacksGemCriu, $"the target ({kernel}) is older than 6.18, which has no DRM_IOCTL_GEM_CHANGE_HANDLE: CRIU's restore of this render node's {bos} fails at the first one with 'Failed to call change ioctl' (amdgpu_plugin_drm_restore_file, amdgpu_plugin_drm.c:501-505)") { ByteOffset = CriuHeader.Size });
        }
        else if (target?.ChangeHandle == false)
        {
            bag.Add(new Diagnostic(Descriptors.TargetLacksGemCriu, $"the target ({kernel}) refuses DRM_IOCTL_GEM_CHANGE_HANDLE ({target.ChangeHandleSource}): CRIU's restore of this render node's {bos} fails at the first one with 'Failed to call change ioctl' (amdgpu_plugin_drm_restore_file, amdgpu_plugin_drm.c:501-505)") { ByteOffset = CriuHeader.Size });
        }
        else if (target is { ChangeHandle: null })
        {
            bag.Add(new Diagnostic(Descriptors.TargetChangeHandleUnknown, $"whether the target ({kernel}) has DRM_IOCTL_GEM_CHANGE_HANDLE is unknown: {target.ChangeHandleSource}; CRIU's restore of this render node's {bos} needs it (amdgpu_plugin_drm.c:501-505); {words.For(Remedy.ChangeHandle)}") { ByteOffset = CriuHeader.Size });
        }
    }
}
