namespace CriuImage.Diagnostics;

public static partial class Descriptors
{
    // BO buckets (CRI1xx).
    /// <summary>CRI101: BO of size zero.</summary>
    public static readonly DiagnosticDescriptor BoSizeZero = new("CRI101", "BoSizeZero", "BO of size zero", Severity.Error) { Source = "amdgpu_gem_create_ioctl", Check = new("-EINVAL", "amdgpu_gem_create_ioctl -> amdgpu_bo_create: size 0") };
    /// <summary>CRI102: BO size not a multiple of the GPU page size.</summary>
    public static readonly DiagnosticDescriptor BoSizeNotPageMultiple = new("CRI102", "BoSizeNotPageMultiple", "BO size not a multiple of the GPU page size", Severity.Error) { Source = "amdgpu_bo_create" };
    /// <summary>CRI103: mmap offset not page aligned.</summary>
    public static readonly DiagnosticDescriptor MmapOffsetMisaligned = new("CRI103", "MmapOffsetMisaligned", "mmap offset not page aligned", Severity.Error) { Source = "amdgpu_criu_bo_info_ioctl" };
    /// <summary>CRI104: mmap offset ranges of two BOs collide.</summary>
    public static readonly DiagnosticDescriptor MmapOffsetCollision = new("CRI104", "MmapOffsetCollision", "mmap offset ranges of two BOs collide", Severity.Error) { Source = "drm_vma_offset_add" };
    /// <summary>CRI105: Duplicate GEM handle.</summary>
    public static readonly DiagnosticDescriptor DuplicateGemHandle = new("CRI105", "DuplicateGemHandle", "Duplicate GEM handle", Severity.Error) { Source = "drm_gem_change_handle_ioctl", Check = new("-ENOSPC", "drm_gem_change_handle_ioctl: idr_alloc(new_handle) of a handle in use") };
    /// <summary>CRI106: alloc_flags bits outside the uapi set.</summary>
    public static readonly DiagnosticDescriptor UnknownAllocFlags = new("CRI106", "UnknownAllocFlags", "alloc_flags bits outside the uapi set", Severity.Error) { Source = "include/uapi/drm/amdgpu_drm.h" };
    /// <summary>CRI107: alloc_flags bits this revision's kernel never reports.</summary>
    public static readonly DiagnosticDescriptor AllocFlagsNeverReported = new("CRI107", "AllocFlagsNeverReported", "alloc_flags bits this revision's kernel never reports", Severity.Error) { Source = "amdgpu_criu_bo_info_ioctl" };
    /// <summary>CRI108: CPU_ACCESS_REQUIRED together with NO_CPU_ACCESS.</summary>
    public static readonly DiagnosticDescriptor ContradictoryCpuAccess = new("CRI108", "ContradictoryCpuAccess", "CPU_ACCESS_REQUIRED together with NO_CPU_ACCESS", Severity.Warning) { Source = "amdgpu_bo_create" };
    /// <summary>CRI109: preferred_domains bits outside the uapi set.</summary>
    public static readonly DiagnosticDescriptor UnknownDomains = new("CRI109", "UnknownDomains", "preferred_domains bits outside the uapi set", Severity.Error) { Source = "amdgpu_gem_create_ioctl", Check = new("-EINVAL", "amdgpu_gem_create_ioctl: domains & ~AMDGPU_GEM_DOMAIN_MASK") };
    /// <summary>CRI110: A special domain combined with others.</summary>
    public static readonly DiagnosticDescriptor SpecialDomainNotAlone = new("CRI110", "SpecialDomainNotAlone", "A special domain combined with others", Severity.Error) { Source = "amdgpu_gem_create_ioctl", Check = new("-EINVAL", "amdgpu_gem_create_ioctl: !amdgpu_gem_are_domains_valid(domains)") };
    /// <summary>CRI111: BO flags bits other than IS_IMPORT.</summary>
    public static readonly DiagnosticDescriptor UnknownBoFlags = new("CRI111", "UnknownBoFlags", "BO flags bits other than IS_IMPORT", Severity.Error) { Source = "amdgpu_gem_list_handles_ioctl" };
    /// <summary>CRI112: mmap offset below the DRM fake-offset start.</summary>
    public static readonly DiagnosticDescriptor MmapOffsetBelowStart = new("CRI112", "MmapOffsetBelowStart", "mmap offset below the DRM fake-offset start", Severity.Error) { Source = "drm_vma_offset_manager_init" };
    /// <summary>CRI113: alloc_flags GEM_CREATE refuses on the target kernel.</summary>
    public static readonly DiagnosticDescriptor CreateFlagsRefused = new("CRI113", "CreateFlagsRefused", "alloc_flags GEM_CREATE refuses on the target kernel", Severity.Error) { Source = "amdgpu_gem_create_ioctl", Check = new("-EINVAL", "amdgpu_gem_create_ioctl: flags & ~AMDGPU_GEM_CREATE_SETTABLE_MASK, or a GDS/GWS/OA BO with VM_ALWAYS_VALID") };
    /// <summary>CRI114: GEM_MMAP refuses a BO without CPU access.</summary>
    public static readonly DiagnosticDescriptor MmapRefused = new("CRI114", "MmapRefused", "GEM_MMAP refuses a BO without CPU access", Severity.Error) { Source = "amdgpu_gem_mmap_ioctl", Check = new("-EPERM", "amdgpu_gem_mmap_ioctl -> amdgpu_mode_dumb_mmap: bo->flags & AMDGPU_GEM_CREATE_NO_CPU_ACCESS") };
    /// <summary>CRI115: GEM handle above INT_MAX.</summary>
    public static readonly DiagnosticDescriptor HandleAboveIntMax = new("CRI115", "HandleAboveIntMax", "GEM handle above INT_MAX", Severity.Error) { Source = "drm_gem_change_handle_ioctl", Check = new("-EINVAL", "drm_gem_change_handle_ioctl: new_handle > INT_MAX (idr_alloc)") };
    /// <summary>CRI116: Alignment in CPU pages that GEM_CREATE reads as bytes.</summary>
    public static readonly DiagnosticDescriptor AlignmentInPages = new("CRI116", "AlignmentInPages", "Alignment in CPU pages that GEM_CREATE reads as bytes", Severity.Warning) { Source = "amdgpu_gem_list_handles_ioctl" };
}
