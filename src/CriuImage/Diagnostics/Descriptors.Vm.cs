namespace CriuImage.Diagnostics;

public static partial class Descriptors
{
    // VM buckets (CRI2xx).
    /// <summary>CRI201: Mapping start after its last page.</summary>
    public static readonly DiagnosticDescriptor StartAfterLast = new("CRI201", "StartAfterLast", "Mapping start after its last page", Severity.Error) { Source = "amdgpu_vm_bo_map", Check = new("-EINVAL", "amdgpu_gem_va_ioctl: (last - start + 1) * 4096 wraps; va_address + map_size > vm_size") };
    /// <summary>CRI202: Mapping of size zero.</summary>
    public static readonly DiagnosticDescriptor MappingSizeZero = new("CRI202", "MappingSizeZero", "Mapping of size zero", Severity.Error) { Source = "amdgpu_vm_verify_parameters", Check = new("-EINVAL", "amdgpu_vm_verify_parameters: size == 0") };
    /// <summary>CRI203: Mapping address, size or offset not page aligned.</summary>
    public static readonly DiagnosticDescriptor MappingMisaligned = new("CRI203", "MappingMisaligned", "Mapping address, size or offset not page aligned", Severity.Error) { Source = "amdgpu_vm_verify_parameters", Check = new("-EINVAL", "amdgpu_vm_verify_parameters: saddr, offset or size & ~AMDGPU_GPU_PAGE_MASK") };
    /// <summary>CRI204: Mapping runs past the end of its BO.</summary>
    public static readonly DiagnosticDescriptor MappingPastBoEnd = new("CRI204", "MappingPastBoEnd", "Mapping runs past the end of its BO", Severity.Error) { Source = "amdgpu_vm_verify_parameters", Check = new("-EINVAL", "amdgpu_vm_verify_parameters: offset + size > amdgpu_bo_size(bo)") };
    /// <summary>CRI205: Two mappings of one VM share a page.</summary>
    public static readonly DiagnosticDescriptor MappingOverlap = new("CRI205", "MappingOverlap", "Two mappings of one VM share a page", Severity.Error) { Source = "amdgpu_vm_bo_map", Check = new("-EINVAL", "amdgpu_vm_bo_map: amdgpu_vm_it_iter_first finds a mapping in the range") };
    /// <summary>CRI206: Mapping below the reserved bottom of the VM (64 KiB).</summary>
    public static readonly DiagnosticDescriptor BelowReservedBottom = new("CRI206", "BelowReservedBottom", "Mapping below the reserved bottom of the VM (64 KiB)", Severity.Error) { Source = "amdgpu_gem_va_ioctl", Check = new("-EINVAL", "amdgpu_gem_va_ioctl: va_address < AMDGPU_VA_RESERVED_BOTTOM") };
    /// <summary>CRI207: Mapping below 2 MiB, which older kernels reserve.</summary>
    public static readonly DiagnosticDescriptor BelowLegacyReserve = new("CRI207", "BelowLegacyReserve", "Mapping below 2 MiB, which older kernels reserve", Severity.Warning) { Source = "AMDGPU_VA_RESERVED_SIZE" };
    /// <summary>CRI208: Mapping past the last page of the VM, or beyond 64 bits.</summary>
    public static readonly DiagnosticDescriptor PastVmEnd = new("CRI208", "PastVmEnd", "Mapping past the last page of the VM, or beyond 64 bits", Severity.Error) { Source = "amdgpu_gem_va_ioctl", Check = new("-EINVAL", "amdgpu_gem_va_ioctl: va_address + map_size > max_pfn * AMDGPU_GPU_PAGE_SIZE - AMDGPU_VA_RESERVED_TOP") };
    /// <summary>CRI209: Mapping flags GEM_VA does not accept.</summary>
    public static readonly DiagnosticDescriptor FlagsNotAccepted = new("CRI209", "FlagsNotAccepted", "Mapping flags GEM_VA does not accept", Severity.Error) { Source = "amdgpu_gem_va_ioctl", Check = new("-EINVAL", "amdgpu_gem_va_ioctl: (flags & ~valid_flags) && (flags & ~prt_flags)") };
    /// <summary>CRI210: PRT flag on a mapping of a BO.</summary>
    public static readonly DiagnosticDescriptor PrtOnBoMapping = new("CRI210", "PrtOnBoMapping", "PRT flag on a mapping of a BO", Severity.Error) { Source = "amdgpu_gem_va_ioctl", Check = new("differs", "amdgpu_gem_va_ioctl: with AMDGPU_VM_PAGE_PRT the BO is not looked up; a PRT range is mapped instead") };
    /// <summary>CRI211: MTYPE value 6..15.</summary>
    public static readonly DiagnosticDescriptor UndefinedMtype = new("CRI211", "UndefinedMtype", "MTYPE value 6..15", Severity.Warning) { Source = "amdgpu_gem_va_map_flags" };
    /// <summary>CRI212: Mapping without read, write or execute.</summary>
    public static readonly DiagnosticDescriptor NoAccessBits = new("CRI212", "NoAccessBits", "Mapping without read, write or execute", Severity.Warning) { Source = "amdgpu_gem_va_ioctl" };
    /// <summary>CRI213: criu-2025-06 flags outside what its kernel converts.</summary>
    public static readonly DiagnosticDescriptor FlagsOutsideCriu2025 = new("CRI213", "FlagsOutsideCriu2025", "criu-2025-06 flags outside what its kernel converts", Severity.Error) { Source = "amdgpu_criu_mapping_info_ioctl" };
    /// <summary>CRI214: PTE flag bits the GC IP version does not define.</summary>
    public static readonly DiagnosticDescriptor UndefinedPteBits = new("CRI214", "UndefinedPteBits", "PTE flag bits the GC IP version does not define", Severity.Error) { Source = "amdgpu_vm.h" };
    /// <summary>CRI215: PTE flags not checked: the GC IP version is unknown.</summary>
    public static readonly DiagnosticDescriptor PteUnchecked = new("CRI215", "PteUnchecked", "PTE flags not checked: the GC IP version is unknown", Severity.Note) { Source = "amdgpu_vm.h" };
    /// <summary>CRI216: Mapping in the reserved top of the VM.</summary>
    public static readonly DiagnosticDescriptor InReservedTop = new("CRI216", "InReservedTop", "Mapping in the reserved top of the VM", Severity.Error) { Source = "amdgpu_gem_va_ioctl", Check = new("-EINVAL", "amdgpu_gem_va_ioctl: va_address + map_size > vm_size - AMDGPU_VA_RESERVED_TOP") };
    /// <summary>CRI217: Mapping address in the GMC hole as recorded.</summary>
    public static readonly DiagnosticDescriptor InGmcHole = new("CRI217", "InGmcHole", "Mapping address in the GMC hole as recorded", Severity.Error) { Source = "amdgpu_gem_va_ioctl", Check = new("-EINVAL", "amdgpu_gem_va_ioctl: AMDGPU_GMC_HOLE_START <= va_address < AMDGPU_GMC_HOLE_END, before the mask") };
    /// <summary>CRI218: PTE flags that GEM_VA cannot take back.</summary>
    public static readonly DiagnosticDescriptor PteFlagsNotUapi = new("CRI218", "PteFlagsNotUapi", "PTE flags that GEM_VA cannot take back", Severity.Error) { Source = "amdgpu_gem_va_ioctl", Check = new("-EINVAL or differs", "amdgpu_gem_va_ioctl: flags is a __u32 of AMDGPU_VM_* bits; PTE bits are cut to 32 bits and read as uapi bits") };
    /// <summary>CRI219: A linux-6.18 image with raw PTE flags.</summary>
    public static readonly DiagnosticDescriptor PteFlagsFrom6_18 = new("CRI219", "PteFlagsFrom6_18", "A linux-6.18 image with raw PTE flags", Severity.Error) { Source = "amdgpu_gem_op_ioctl" };
    /// <summary>CRI220: Mapping saved with DELAY_UPDATE.</summary>
    public static readonly DiagnosticDescriptor DelayUpdate = new("CRI220", "DelayUpdate", "Mapping saved with DELAY_UPDATE", Severity.Warning) { Source = "amdgpu_gem_va_ioctl" };
}
