namespace CriuImage.Abi;

/// <summary>
/// Hardware PTE bits that pre-6.18 kernels stored in a mapping's flags (drivers/gpu/drm/amd/amdgpu/amdgpu_vm.h).
/// Bits above 11 depend on the GC IP version: MTYPE is 2 bits at 57 on GFX9, 3 bits at 48 on GFX10/11 and
/// 2 bits at 54 on GFX12, where PRT moves to bit 56 and DCC takes bit 58.
/// </summary>
[Flags]
public enum PteFlags : ulong
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary><c>AMDGPU_PTE_VALID</c>.</summary>
    Valid = 1UL << 0,

    /// <summary><c>AMDGPU_PTE_SYSTEM</c>.</summary>
    System = 1UL << 1,

    /// <summary><c>AMDGPU_PTE_SNOOPED</c>.</summary>
    Snooped = 1UL << 2,

    /// <summary><c>AMDGPU_PTE_TMZ</c>.</summary>
    Tmz = 1UL << 3,

    /// <summary><c>AMDGPU_PTE_EXECUTABLE</c>.</summary>
    Executable = 1UL << 4,

    /// <summary><c>AMDGPU_PTE_READABLE</c>.</summary>
    Readable = 1UL << 5,

    /// <summary><c>AMDGPU_PTE_WRITEABLE</c>.</summary>
    Writeable = 1UL << 6,

    /// <summary><c>AMDGPU_PTE_FRAG</c>: the 5-bit fragment field at bit 7.</summary>
    FragMask = 0x1FUL << 7,

    /// <summary><c>AMDGPU_PTE_PRT</c> before GFX12.</summary>
    Prt = 1UL << 51,

    /// <summary><c>AMDGPU_PDE_PTE</c> before GFX12.</summary>
    PdePte = 1UL << 54,

    /// <summary><c>AMDGPU_PTE_LOG</c>.</summary>
    Log = 1UL << 55,

    /// <summary><c>AMDGPU_PTE_TF</c>.</summary>
    Tf = 1UL << 56,

    /// <summary><c>AMDGPU_PTE_NOALLOC</c>.</summary>
    NoAlloc = 1UL << 58,
}
