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

    /// <summary>Computes <c>DRM_IOWR(DRM_COMMAND_BASE + nr, T)</c> for an argument struct of <paramref name="argumentSize"/> bytes.</summary>
    public static uint DrmIowr(uint nr, uint argumentSize) => 0xC0000000u | (argumentSize << 16) | ('d' << 8) | (0x40 + nr);
}
