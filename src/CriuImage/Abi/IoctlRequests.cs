namespace CriuImage.Abi;

/// <summary>
/// The ioctl request numbers of each revision: <c>DRM_IOWR(nr, T) = 0xC0000000 | sizeof(T) &lt;&lt; 16 | 'd' &lt;&lt; 8 | (0x40 + nr)</c>.
/// Numbers were reused with other layouts: pick them by <see cref="AbiRevision"/>, never the other way round.
/// </summary>
public static class IoctlRequests
{
    /// <summary>criu-2025-06 <c>DRM_IOCTL_AMDGPU_CRIU_BO_INFO</c> (nr 0x20).</summary>
    public const uint Criu2025_06BoInfo = 0xC0106460;

    /// <summary>criu-2025-06 <c>DRM_IOCTL_AMDGPU_CRIU_MAPPING_INFO</c> (nr 0x21).</summary>
    public const uint Criu2025_06MappingInfo = 0xC0106461;

    /// <summary>criu-v8 <c>DRM_IOCTL_AMDGPU_CRIU_BO_INFO</c> (nr 0x19).</summary>
    public const uint CriuV8BoInfo = 0xC0106459;

    /// <summary>criu-v8 <c>DRM_IOCTL_AMDGPU_CRIU_MAPPING_INFO</c> (nr 0x20).</summary>
    public const uint CriuV8MappingInfo = 0xC0106460;

    /// <summary>linux-6.18 <c>DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES</c> (nr 0x19).</summary>
    public const uint Linux6_18GemListHandles = 0xC0106459;

    /// <summary>linux-6.18 <c>DRM_IOCTL_AMDGPU_GEM_OP</c> with its 24-byte arguments (nr 0x10).</summary>
    public const uint Linux6_18GemOp = 0xC0186450;

    /// <summary><c>DRM_IOCTL_AMDGPU_GEM_CREATE</c>: <c>DRM_IOWR(0x40 + 0x00, union drm_amdgpu_gem_create)</c>, 32 bytes.</summary>
    public const uint GemCreate = 0xC0206440;

    /// <summary><c>DRM_IOCTL_AMDGPU_GEM_MMAP</c>: <c>DRM_IOWR(0x40 + 0x01, union drm_amdgpu_gem_mmap)</c>, 8 bytes.</summary>
    public const uint GemMmap = 0xC0086441;

    /// <summary><c>DRM_IOCTL_AMDGPU_GEM_VA</c> of Linux 6.18: <c>DRM_IOW(0x40 + 0x08, struct drm_amdgpu_gem_va)</c>, 64 bytes.</summary>
    public const uint GemVa = 0x40406448;

    /// <summary><c>DRM_IOCTL_AMDGPU_GEM_VA</c> as userspace built before the vm timeline fields: 40 bytes.</summary>
    public const uint GemVa40 = 0x40286448;

    /// <summary><c>DRM_IOCTL_GEM_CHANGE_HANDLE</c> (DRM core, not a driver ioctl): <c>DRM_IOWR(0xd2, struct drm_gem_change_handle)</c>.</summary>
    public const uint GemChangeHandle = 0xC00864D2;

    /// <summary><c>DRM_IOCTL_PRIME_FD_TO_HANDLE</c> (DRM core): <c>DRM_IOWR(0x2e, struct drm_prime_handle)</c>, 12 bytes.</summary>
    public const uint PrimeFdToHandle = 0xC00C642E;

    /// <summary><c>DRM_IOCTL_PRIME_HANDLE_TO_FD</c> (DRM core): <c>DRM_IOWR(0x2d, struct drm_prime_handle)</c>, 12 bytes; CRIU exports every BO it creates.</summary>
    public const uint PrimeHandleToFd = 0xC00C642D;

    /// <summary><c>AMDKFD_IOC_GET_VERSION</c>: <c>_IOR('K', 0x01, struct kfd_ioctl_get_version_args)</c>, 8 bytes; CRIU's restore needs 1.8 or later.</summary>
    public const uint KfdGetVersion = 0x80084B01;

    /// <summary><c>AMDKFD_IOC_CRIU_OP</c>: <c>_IOWR('K', 0x22, struct kfd_ioctl_criu_args)</c>, 56 bytes (52 and the padding to 8).</summary>
    public const uint KfdCriuOp = 0xC0384B22;

    /// <summary>Computes <c>DRM_IOW(DRM_COMMAND_BASE + nr, T)</c>: the kernel only reads the arguments.</summary>
    public static uint DrmIow(uint nr, uint argumentSize) => 0x40000000u | (argumentSize << 16) | ('d' << 8) | (0x40 + nr);

    /// <summary>Computes <c>DRM_IOWR(DRM_COMMAND_BASE + nr, T)</c> for an argument struct of <paramref name="argumentSize"/> bytes.</summary>
    public static uint DrmIowr(uint nr, uint argumentSize) => 0xC0000000u | (argumentSize << 16) | ('d' << 8) | (0x40 + nr);
}
