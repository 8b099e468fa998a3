namespace CriuImage.Diagnostics;

/// <summary>What the kernel does with a call that breaks a rule of the restore family: the errno, or "differs".</summary>
/// <param name="Outcome"><c>-EINVAL</c>, <c>-EPERM</c>, ...; <c>differs</c> when the call succeeds but maps something other than what was saved.</param>
/// <param name="Kernel">The kernel function and check that decides it.</param>
public sealed record RestoreCheck(string Outcome, string Kernel);

/// <summary>The kernel check behind each code of the restore family; docs/diagnostics.md cites the same functions.</summary>
public static class RestoreChecks
{
    private static readonly Dictionary<string, RestoreCheck> ById = new(StringComparer.Ordinal)
    {
        [Descriptors.BoSizeZero.Id] = new("-EINVAL", "amdgpu_gem_create_ioctl -> amdgpu_bo_create: size 0"),
        [Descriptors.DuplicateGemHandle.Id] = new("-ENOSPC", "drm_gem_change_handle_ioctl: idr_alloc(new_handle) of a handle in use"),
        [Descriptors.UnknownDomains.Id] = new("-EINVAL", "amdgpu_gem_create_ioctl: domains & ~AMDGPU_GEM_DOMAIN_MASK"),
        [Descriptors.SpecialDomainNotAlone.Id] = new("-EINVAL", "amdgpu_gem_create_ioctl: !amdgpu_gem_are_domains_valid(domains)"),
        [Descriptors.CreateFlagsRefused.Id] = new("-EINVAL", "amdgpu_gem_create_ioctl: flags & ~AMDGPU_GEM_CREATE_SETTABLE_MASK, or a GDS/GWS/OA BO with VM_ALWAYS_VALID"),
        [Descriptors.MmapRefused.Id] = new("-EPERM", "amdgpu_gem_mmap_ioctl -> amdgpu_mode_dumb_mmap: bo->flags & AMDGPU_GEM_CREATE_NO_CPU_ACCESS"),
        [Descriptors.TargetLacksGemCriu.Id] = new("-EINVAL", "drm_ioctl: nr >= DRM_CORE_IOCTL_COUNT (DRM_IOCTL_GEM_CHANGE_HANDLE, nr 0xD2, is new in 6.18)"),
        [Descriptors.HandleAboveIntMax.Id] = new("-EINVAL", "drm_gem_change_handle_ioctl: new_handle > INT_MAX (idr_alloc)"),
        [Descriptors.StartAfterLast.Id] = new("-EINVAL", "amdgpu_gem_va_ioctl: (last - start + 1) * 4096 wraps; va_address + map_size > vm_size"),
        [Descriptors.MappingSizeZero.Id] = new("-EINVAL", "amdgpu_vm_verify_parameters: size == 0"),
        [Descriptors.MappingMisaligned.Id] = new("-EINVAL", "amdgpu_vm_verify_parameters: saddr, offset or size & ~AMDGPU_GPU_PAGE_MASK"),
        [Descriptors.MappingPastBoEnd.Id] = new("-EINVAL", "amdgpu_vm_verify_parameters: offset + size > amdgpu_bo_size(bo)"),
        [Descriptors.MappingOverlap.Id] = new("-EINVAL", "amdgpu_vm_bo_map: amdgpu_vm_it_iter_first finds a mapping in the range"),
        [Descriptors.BelowReservedBottom.Id] = new("-EINVAL", "amdgpu_gem_va_ioctl: va_address < AMDGPU_VA_RESERVED_BOTTOM"),
        [Descriptors.PastVmEnd.Id] = new("-EINVAL", "amdgpu_gem_va_ioctl: va_address + map_size > max_pfn * AMDGPU_GPU_PAGE_SIZE - AMDGPU_VA_RESERVED_TOP"),
        [Descriptors.FlagsNotAccepted.Id] = new("-EINVAL", "amdgpu_gem_va_ioctl: (flags & ~valid_flags) && (flags & ~prt_flags)"),
        [Descriptors.PrtOnBoMapping.Id] = new("differs", "amdgpu_gem_va_ioctl: with AMDGPU_VM_PAGE_PRT the BO is not looked up; a PRT range is mapped instead"),
        [Descriptors.InReservedTop.Id] = new("-EINVAL", "amdgpu_gem_va_ioctl: va_address + map_size > vm_size - AMDGPU_VA_RESERVED_TOP"),
        [Descriptors.InGmcHole.Id] = new("-EINVAL", "amdgpu_gem_va_ioctl: AMDGPU_GMC_HOLE_START <= va_address < AMDGPU_GMC_HOLE_END, before the mask"),
        [Descriptors.PteFlagsNotUapi.Id] = new("-EINVAL or differs", "amdgpu_gem_va_ioctl: flags is a __u32 of AMDGPU_VM_* bits; PTE bits are cut to 32 bits and read as uapi bits"),
    };

    /// <summary>The kernel check of a restore-family code; null for codes outside the family.</summary>
    public static RestoreCheck? For(DiagnosticDescriptor descriptor) => ById.GetValueOrDefault(descriptor.Id);
}
