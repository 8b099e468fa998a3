namespace CriuImage.Abi;

/// <summary><c>AMDGPU_GEM_DOMAIN_*</c>: where a BO may live (include/uapi/drm/amdgpu_drm.h).</summary>
[Flags]
public enum GemDomains : ulong
{
    /// <summary>No domain.</summary>
    None = 0,

    /// <summary><c>AMDGPU_GEM_DOMAIN_CPU</c>.</summary>
    Cpu = 0x1,

    /// <summary><c>AMDGPU_GEM_DOMAIN_GTT</c>.</summary>
    Gtt = 0x2,

    /// <summary><c>AMDGPU_GEM_DOMAIN_VRAM</c>.</summary>
    Vram = 0x4,

    /// <summary><c>AMDGPU_GEM_DOMAIN_GDS</c> (special: must be the only domain).</summary>
    Gds = 0x8,

    /// <summary><c>AMDGPU_GEM_DOMAIN_GWS</c> (special).</summary>
    Gws = 0x10,

    /// <summary><c>AMDGPU_GEM_DOMAIN_OA</c> (special).</summary>
    Oa = 0x20,

    /// <summary><c>AMDGPU_GEM_DOMAIN_DOORBELL</c> (special).</summary>
    Doorbell = 0x40,

    /// <summary><c>AMDGPU_GEM_DOMAIN_MMIO_REMAP</c> (special).</summary>
    MmioRemap = 0x80,

    /// <summary>Every mainline domain bit.</summary>
    Mask = 0xFF,
}
