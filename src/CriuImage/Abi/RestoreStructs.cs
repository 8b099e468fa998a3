using System.Runtime.InteropServices;

namespace CriuImage.Abi;

/// <summary>
/// <c>union drm_amdgpu_gem_create</c> as a restorer fills it: 32 bytes on x86-64, for
/// <c>DRM_IOCTL_AMDGPU_GEM_CREATE</c> (<see cref="IoctlRequests.GemCreate"/>). On return the first word holds the handle.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct GemCreateArgs
{
    /// <summary>In: BO size in bytes. Out: the low 32 bits hold the new GEM handle.</summary>
    public ulong BoSize;

    /// <summary>In: alignment in bytes (the kernel takes it as an int and raises it to at least a page).</summary>
    public ulong Alignment;

    /// <summary>In: <see cref="GemDomains"/>.</summary>
    public ulong Domains;

    /// <summary>In: <see cref="GemCreateFlags"/>.</summary>
    public ulong DomainFlags;
}

/// <summary><c>union drm_amdgpu_gem_mmap</c>: 8 bytes, for <c>DRM_IOCTL_AMDGPU_GEM_MMAP</c> (<see cref="IoctlRequests.GemMmap"/>).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GemMmapArgs
{
    /// <summary>In: the GEM handle in the low 32 bits. Out: the fake mmap offset.</summary>
    public ulong HandleOrAddrPtr;
}

/// <summary><c>struct drm_gem_change_handle</c>: 8 bytes, for <c>DRM_IOCTL_GEM_CHANGE_HANDLE</c> (<see cref="IoctlRequests.GemChangeHandle"/>).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GemChangeHandleArgs
{
    /// <summary>The handle GEM_CREATE (or PRIME import) gave the BO.</summary>
    public uint Handle;

    /// <summary>The handle to move it to: the saved one.</summary>
    public uint NewHandle;
}

/// <summary>
/// <c>struct drm_amdgpu_gem_va</c> of Linux 6.18 (vm timeline fields included): 64 bytes, for
/// <c>DRM_IOCTL_AMDGPU_GEM_VA</c> (<see cref="IoctlRequests.GemVa"/>). Older userspace passes the first 40 bytes;
/// the DRM core zero-fills the rest.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct GemVaArgs
{
    /// <summary><c>AMDGPU_VA_OP_MAP</c>.</summary>
    public const uint OpMap = 1;

    /// <summary>GEM handle of the BO (ignored with PRT).</summary>
    public uint Handle;

    /// <summary>Padding.</summary>
    public uint Pad;

    /// <summary><c>AMDGPU_VA_OP_*</c>.</summary>
    public uint Operation;

    /// <summary><see cref="VmFlags"/>: 32 bits, so wider recorded flags lose their high bits.</summary>
    public uint Flags;

    /// <summary>GPU virtual address in bytes, as passed (the kernel checks the GMC hole before masking it).</summary>
    public ulong VaAddress;

    /// <summary>Byte offset into the BO.</summary>
    public ulong OffsetInBo;

    /// <summary>Size in bytes.</summary>
    public ulong MapSize;

    /// <summary>Timeline point for the page-table update fence (0: none).</summary>
    public ulong VmTimelinePoint;

    /// <summary>Syncobj receiving the page-table update fence (0: none).</summary>
    public uint VmTimelineSyncobjOut;

    /// <summary>Number of syncobj handles to wait for.</summary>
    public uint NumSyncobjHandles;

    /// <summary>User pointer to the syncobj handles.</summary>
    public ulong InputFenceSyncobjHandles;
}
