using System.Runtime.InteropServices;

namespace CriuImage.Abi;

/// <summary>
/// <c>struct drm_amdgpu_criu_bo_bucket</c> of the criu-v8 posting: 32 bytes on x86-64, no mmap offset,
/// filled by <c>DRM_IOCTL_AMDGPU_CRIU_BO_INFO</c> (0xC0106459). Its mappings are <see cref="CriuVmBucket"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct CriuV8BoBucket
{
    /// <summary>BO size in bytes.</summary>
    public ulong Size;

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
