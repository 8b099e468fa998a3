namespace CriuImage.Abi;

/// <summary>
/// The constants of CRIU's amdgpu restore path other than the request numbers (<see cref="IoctlRequests"/>) and
/// <see cref="KfdCriuOp"/>, as the headers CRIU compiles against define them (plugins/amdgpu/kfd_ioctl.h,
/// amdgpu_drm.h and amdgpu_plugin_util.h at 2cf8f13). tests/abi/layout.c holds each value against gcc.
/// </summary>
public static class RestorePathConstants
{
    /// <summary><c>KFD_IOCTL_MAJOR_VERSION</c> CRIU requires of the target's KFD (amdgpu_plugin_util.h:44).</summary>
    public const uint KfdIoctlMajorVersion = 1;

    /// <summary><c>MIN_KFD_IOCTL_MINOR_VERSION</c>: the oldest KFD minor CRIU restores on (amdgpu_plugin_util.h:45).</summary>
    public const uint MinKfdIoctlMinorVersion = 8;

    /// <summary><c>KFD_IOC_ALLOC_MEM_FLAGS_VRAM</c>: a KFD BO whose contents CRIU saves and writes back.</summary>
    public const uint KfdAllocVram = 1u << 0;

    /// <summary><c>KFD_IOC_ALLOC_MEM_FLAGS_GTT</c>: likewise.</summary>
    public const uint KfdAllocGtt = 1u << 1;

    /// <summary><c>KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL</c>: no contents, a VMA CRIU moves.</summary>
    public const uint KfdAllocDoorbell = 1u << 3;

    /// <summary><c>KFD_IOC_ALLOC_MEM_FLAGS_MMIO_REMAP</c>: no contents, a VMA CRIU moves.</summary>
    public const uint KfdAllocMmioRemap = 1u << 4;

    /// <summary><c>KFD_INVALID_FD</c>: a KFD BO bucket without a dma-buf.</summary>
    public const uint KfdInvalidFd = 0xffffffff;

    /// <summary>The bytes of the size header <c>open_img_file</c> reads first from every file (amdgpu_plugin_util.c:257): contents start there.</summary>
    public const uint ImageSizeHeader = 8;
}
