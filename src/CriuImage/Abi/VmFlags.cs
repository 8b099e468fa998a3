namespace CriuImage.Abi;

/// <summary><c>AMDGPU_VM_*</c>: the uapi mapping flags given to GEM_VA (include/uapi/drm/amdgpu_drm.h).</summary>
[Flags]
public enum VmFlags : ulong
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary><c>AMDGPU_VM_DELAY_UPDATE</c>.</summary>
    DelayUpdate = 0x1,

    /// <summary><c>AMDGPU_VM_PAGE_READABLE</c>.</summary>
    PageReadable = 0x2,

    /// <summary><c>AMDGPU_VM_PAGE_WRITEABLE</c>.</summary>
    PageWriteable = 0x4,

    /// <summary><c>AMDGPU_VM_PAGE_EXECUTABLE</c>.</summary>
    PageExecutable = 0x8,

    /// <summary><c>AMDGPU_VM_PAGE_PRT</c>: partially resident texture; never combined with the other page bits.</summary>
    PagePrt = 0x10,

    /// <summary><c>AMDGPU_VM_MTYPE_NC</c>.</summary>
    MtypeNc = 0x20,

    /// <summary><c>AMDGPU_VM_MTYPE_WC</c>.</summary>
    MtypeWc = 0x40,

    /// <summary><c>AMDGPU_VM_MTYPE_CC</c>.</summary>
    MtypeCc = 0x60,

    /// <summary><c>AMDGPU_VM_MTYPE_UC</c>.</summary>
    MtypeUc = 0x80,

    /// <summary><c>AMDGPU_VM_MTYPE_RW</c>.</summary>
    MtypeRw = 0xA0,

    /// <summary><c>AMDGPU_VM_MTYPE_MASK</c>: the 4-bit MTYPE field at bit 5; values 6..15 pass the mask but mean nothing.</summary>
    MtypeMask = 0x1E0,

    /// <summary><c>AMDGPU_VM_PAGE_NOALLOC</c>.</summary>
    PageNoalloc = 0x200,

    /// <summary>Every bit GEM_VA accepts for a BO mapping.</summary>
    ValidMask = 0x3EF,

    /// <summary>Every bit GEM_VA accepts with <see cref="PagePrt"/>.</summary>
    ValidPrtMask = 0x11,

    /// <summary>Every bit the criu-2025-06 kernel can report after converting PTE bits back to uapi.</summary>
    Criu2025_06Mask = 0x21E,
}
