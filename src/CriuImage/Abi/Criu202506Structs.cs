using System.Runtime.InteropServices;

namespace CriuImage.Abi;

/// <summary>
/// <c>struct drm_amdgpu_criu_bo_bucket</c> of the criu-2025-06 posting: 40 bytes on x86-64, filled by
/// <c>DRM_IOCTL_AMDGPU_CRIU_BO_INFO</c> (0xC0106460).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct Criu202506BoBucket
{
    /// <summary>BO size in bytes.</summary>
    public ulong Size;

    /// <summary>DRM fake mmap offset of the BO on the render node.</summary>
    public ulong Offset;

    /// <summary><see cref="GemCreateFlags"/> as the kernel reported them.</summary>
    public ulong AllocFlags;

    /// <summary><see cref="GemDomains"/>.</summary>
    public uint PreferredDomains;

    /// <summary><see cref="BoFlags"/>.</summary>
    public uint Flags;

    /// <summary>GEM handle of the BO in the render-node file.</summary>
    public uint GemHandle;

    /// <summary>Tail padding the C compiler adds for 8-byte alignment.</summary>
    public uint Padding;
}

/// <summary>
/// <c>struct drm_amdgpu_criu_bo_info_args</c> (criu-2025-06 and criu-v8): 16 bytes; <see cref="NumBos"/>
/// is the array capacity in and the true count out.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct CriuBoInfoArgs
{
    /// <summary>In: capacity of the bucket array. Out: number of BOs (retry with a larger array when it grew).</summary>
    public uint NumBos;

    /// <summary>Padding before the 8-byte aligned pointer.</summary>
    public uint Padding;

    /// <summary>User pointer to the bucket array.</summary>
    public ulong BoBuckets;
}

/// <summary><c>struct drm_amdgpu_criu_mapping_info_args</c> (criu-2025-06 and criu-v8): 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CriuMappingInfoArgs
{
    /// <summary>GEM handle of the BO whose mappings are asked for.</summary>
    public uint GemHandle;

    /// <summary>In: capacity of the bucket array. Out: number of mappings.</summary>
    public uint NumMappings;

    /// <summary>User pointer to an array of <see cref="CriuVmBucket"/>.</summary>
    public ulong VmBuckets;
}

/// <summary>
/// <c>struct drm_amdgpu_criu_vm_bucket</c> (criu-2025-06 and criu-v8): 32 bytes; one GPU VA mapping of a BO,
/// in 4 KiB GPU pages with <see cref="Last"/> inclusive.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct CriuVmBucket
{
    /// <summary>First GPU page of the mapping.</summary>
    public ulong Start;

    /// <summary>Last GPU page of the mapping (inclusive).</summary>
    public ulong Last;

    /// <summary>Byte offset of the mapping into the BO.</summary>
    public ulong Offset;

    /// <summary>Mapping flags: uapi <see cref="VmFlags"/> or hardware <see cref="PteFlags"/>, per the image header.</summary>
    public ulong Flags;
}
