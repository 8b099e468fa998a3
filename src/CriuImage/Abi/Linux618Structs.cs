using System.Runtime.InteropServices;

namespace CriuImage.Abi;

/// <summary><c>struct drm_amdgpu_gem_list_handles</c> (linux-6.18): 16 bytes, for <c>DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES</c> (0xC0106459).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GemListHandlesArgs
{
    /// <summary>User pointer to an array of <see cref="GemListHandlesEntry"/>.</summary>
    public ulong Entries;

    /// <summary>In: capacity of the array. Out: number of BOs.</summary>
    public uint NumEntries;

    /// <summary>Must be zero.</summary>
    public uint Padding;
}

/// <summary><c>struct drm_amdgpu_gem_list_handles_entry</c> (linux-6.18): 40 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GemListHandlesEntry
{
    /// <summary>GEM handle of the BO.</summary>
    public uint GemHandle;

    /// <summary><see cref="BoFlags"/> (<c>AMDGPU_GEM_LIST_HANDLES_FLAG_IS_IMPORT</c>).</summary>
    public uint Flags;

    /// <summary>BO size in bytes.</summary>
    public ulong Size;

    /// <summary><see cref="GemDomains"/>, 64 bits wide in this revision.</summary>
    public ulong PreferredDomains;

    /// <summary><see cref="GemCreateFlags"/>, masked with <c>AMDGPU_GEM_CREATE_SETTABLE_MASK</c>.</summary>
    public ulong AllocFlags;

    /// <summary><c>bo-&gt;tbo.page_alignment</c>: in CPU pages, whatever the uapi comment says.</summary>
    public ulong Alignment;
}

/// <summary><c>struct drm_amdgpu_gem_op</c> (linux-6.18): 24 bytes, for <c>DRM_IOCTL_AMDGPU_GEM_OP</c> (0xC0186450).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GemOpArgs
{
    /// <summary><c>AMDGPU_GEM_OP_GET_MAPPING_INFO</c>.</summary>
    public const uint OpGetMappingInfo = 2;

    /// <summary>GEM handle of the BO.</summary>
    public uint Handle;

    /// <summary>The operation; <see cref="OpGetMappingInfo"/> for mapping info.</summary>
    public uint Op;

    /// <summary>For GET_MAPPING_INFO, a user pointer to an array of <see cref="GemVmEntry"/>.</summary>
    public ulong Value;

    /// <summary>In: capacity of the array. Out: number of mappings.</summary>
    public uint NumEntries;

    /// <summary>Must be zero.</summary>
    public uint Padding;
}

/// <summary><c>struct drm_amdgpu_gem_vm_entry</c> (linux-6.18): 32 bytes; address and size in bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GemVmEntry
{
    /// <summary>GPU virtual address in bytes (start page times 4096; high-half addresses come back masked to 48 bits).</summary>
    public ulong Addr;

    /// <summary>Mapping size in bytes.</summary>
    public ulong Size;

    /// <summary>Byte offset of the mapping into the BO.</summary>
    public ulong Offset;

    /// <summary>Mapping flags as given to GEM_VA.</summary>
    public ulong Flags;
}
