namespace CriuImage.Abi;

/// <summary><c>AMDGPU_GEM_CREATE_*</c>: a BO's allocation flags (include/uapi/drm/amdgpu_drm.h).</summary>
[Flags]
public enum GemCreateFlags : ulong
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary><c>AMDGPU_GEM_CREATE_CPU_ACCESS_REQUIRED</c>.</summary>
    CpuAccessRequired = 1UL << 0,

    /// <summary><c>AMDGPU_GEM_CREATE_NO_CPU_ACCESS</c>.</summary>
    NoCpuAccess = 1UL << 1,

    /// <summary><c>AMDGPU_GEM_CREATE_CPU_GTT_USWC</c>.</summary>
    CpuGttUswc = 1UL << 2,

    /// <summary><c>AMDGPU_GEM_CREATE_VRAM_CLEARED</c>; GEM_CREATE always adds it.</summary>
    VramCleared = 1UL << 3,

    /// <summary><c>AMDGPU_GEM_CREATE_VRAM_CONTIGUOUS</c>.</summary>
    VramContiguous = 1UL << 5,

    /// <summary><c>AMDGPU_GEM_CREATE_VM_ALWAYS_VALID</c>.</summary>
    VmAlwaysValid = 1UL << 6,

    /// <summary><c>AMDGPU_GEM_CREATE_EXPLICIT_SYNC</c>.</summary>
    ExplicitSync = 1UL << 7,

    /// <summary><c>AMDGPU_GEM_CREATE_CP_MQD_GFX9</c> (kernel only).</summary>
    CpMqdGfx9 = 1UL << 8,

    /// <summary><c>AMDGPU_GEM_CREATE_VRAM_WIPE_ON_RELEASE</c>; masked out of the reports before linux-6.18.</summary>
    VramWipeOnRelease = 1UL << 9,

    /// <summary><c>AMDGPU_GEM_CREATE_ENCRYPTED</c>.</summary>
    Encrypted = 1UL << 10,

    /// <summary><c>AMDGPU_GEM_CREATE_PREEMPTIBLE</c>.</summary>
    Preemptible = 1UL << 11,

    /// <summary><c>AMDGPU_GEM_CREATE_DISCARDABLE</c>.</summary>
    Discardable = 1UL << 12,

    /// <summary><c>AMDGPU_GEM_CREATE_COHERENT</c>.</summary>
    Coherent = 1UL << 13,

    /// <summary><c>AMDGPU_GEM_CREATE_UNCACHED</c>.</summary>
    Uncached = 1UL << 14,

    /// <summary><c>AMDGPU_GEM_CREATE_EXT_COHERENT</c>.</summary>
    ExtCoherent = 1UL << 15,

    /// <summary><c>AMDGPU_GEM_CREATE_GFX12_DCC</c>.</summary>
    Gfx12Dcc = 1UL << 16,

    /// <summary><c>AMDGPU_GEM_CREATE_SETTABLE_MASK</c> since Linux 6.18: what GEM_LIST_HANDLES reports at most.</summary>
    SettableMaskLinux6_18 = 0x1F6CF,

    /// <summary>The flags GEM_CREATE accepted before Linux 6.18.</summary>
    SettableMaskBefore6_18 = 0x114CF,
}
