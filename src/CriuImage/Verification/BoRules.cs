using CriuImage.Abi;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Kernel;
using CriuImage.Restore;

namespace CriuImage.Verification;

/// <summary>
/// Checks of one BO bucket on its own: where the values can have come from (the CRIU ioctls' masks, the DRM
/// fake offsets), then what the target kernel does with them on CRIU's restore path (GEM_CREATE,
/// CHANGE_HANDLE, GEM_MMAP). verify and <see cref="RestorePlan"/> both call these; a finding of the restore
/// family carries the call it breaks (<see cref="Diagnostic.Call"/>).
/// </summary>
internal static class BoRules
{
    /// <summary>Every AMDGPU_GEM_CREATE_* bit mainline defines (bit 4 was SHADOW and is gone).</summary>
    private const ulong KnownAllocFlags = 0x1FFEF;

    /// <summary>Bits only ROCm's DKMS driver defines: SPARSE, TOP_DOWN, NO_EVICT.</summary>
    private const ulong RocmAllocFlags = 0xE0000000;

    private const ulong SpecialDomains = (ulong)(GemDomains.Gds | GemDomains.Gws | GemDomains.Oa | GemDomains.Doorbell | GemDomains.MmioRemap);

    /// <summary>The domains whose BOs GEM_CREATE makes kernel BOs with NO_CPU_ACCESS and refuses as per-VM BOs.</summary>
    private const ulong OnChipDomains = (ulong)(GemDomains.Gds | GemDomains.Gws | GemDomains.Oa);

    /// <summary>DRM_FILE_PAGE_OFFSET_START on 64-bit: fake mmap offsets start at 4 GiB.</summary>
    private const ulong FakeOffsetStart = 0x1_0000_0000;

    private const ulong CpuPage = 4096;

    public static void Check(in BoRecord bo, ImageHeader header, KernelProfile target, long offset, IDiagnosticSink report)
    {
        uint handle = bo.GemHandle;
        bool created = (bo.Flags & (uint)BoFlags.IsImport) == 0;
        if (bo.Size == 0)
        {
            report.Add(At(Descriptors.BoSizeZero, $"BO {handle} has size 0", handle, offset, created ? RestoreCall.GemCreate : null));
        }
        else if (bo.Size % header.GpuPageSize != 0)
        {
            report.Add(At(Descriptors.BoSizeNotPageMultiple, $"BO {handle} has size {bo.Size} (0x{bo.Size:x}), not a multiple of the {header.GpuPageSize}-byte GPU page", handle, offset));
        }

        if (bo.Offset is { } mmap)
        {
            if (mmap % CpuPage != 0)
            {
                report.Add(At(Descriptors.MmapOffsetMisaligned, $"BO {handle} has mmap offset 0x{mmap:x}, not aligned to {CpuPage} bytes", handle, offset));
            }
            else if (mmap < FakeOffsetStart)
            {
                report.Add(At(Descriptors.MmapOffsetBelowStart, $"BO {handle} has mmap offset 0x{mmap:x}, below the DRM fake-offset start 0x{FakeOffsetStart:x}", handle, offset));
            }
        }

        CheckAllocFlags(bo, header.Abi, offset, report);
        CheckDomains(bo, target, created, offset, report);
        if ((bo.Flags & ~(uint)BoFlags.IsImport) != 0)
        {
            report.Add(At(Descriptors.UnknownBoFlags, $"BO {handle} has flags 0x{bo.Flags:x}; only IS_IMPORT (0x1) is defined", handle, offset));
        }

        if (created)
        {
            CheckCreate(bo, target, offset, report);
        }

        if (handle > target.MaxHandle)
        {
            report.Add(At(Descriptors.HandleAboveIntMax, $"BO {handle} has GEM handle 0x{handle:x}, above INT_MAX: CHANGE_HANDLE cannot move a BO there", handle, offset, RestoreCall.ChangeHandle));
        }

        if (NoCpuAccess(bo))
        {
            report.Add(At(Descriptors.MmapRefused, $"BO {handle} has no CPU access (alloc_flags 0x{bo.AllocFlags:x}, domains 0x{bo.PreferredDomains:x}): GEM_MMAP returns -EPERM, and CRIU's restore stops there", handle, offset, RestoreCall.GemMmap));
        }
    }

    /// <summary>True when GEM_MMAP refuses the BO: NO_CPU_ACCESS, which GEM_CREATE also sets for GDS, GWS and OA BOs.</summary>
    public static bool NoCpuAccess(in BoRecord bo) =>
        (bo.AllocFlags & (ulong)GemCreateFlags.NoCpuAccess) != 0 || (bo.PreferredDomains & OnChipDomains) != 0;

    /// <summary>The alignment GEM_CREATE should be given, in bytes: linux-6.18 reports it in CPU pages.</summary>
    public static ulong AlignmentInBytes(in BoRecord bo) => bo.Alignment is { } pages ? (ulong)UInt128.Min((UInt128)pages * CpuPage, ulong.MaxValue) : CpuPage;

    private static void CheckAllocFlags(in BoRecord bo, AbiRevision abi, long offset, IDiagnosticSink report)
    {
        uint handle = bo.GemHandle;
        ulong flags = bo.AllocFlags;
        ulong unknown = flags & ~KnownAllocFlags;
        if (unknown != 0)
        {
            string rocm = (unknown & RocmAllocFlags) != 0 ? " (bits 29-31 are ROCm DKMS's SPARSE, TOP_DOWN, NO_EVICT, unknown to mainline)" : "";
            report.Add(At(Descriptors.UnknownAllocFlags, $"BO {handle} has alloc_flags 0x{flags:x} with bits 0x{unknown:x} outside the uapi AMDGPU_GEM_CREATE_* set{rocm}", handle, offset));
        }

        ulong never = abi == AbiRevision.Linux6_18
            ? flags & KnownAllocFlags & ~(ulong)GemCreateFlags.SettableMaskLinux6_18
            : flags & (ulong)GemCreateFlags.VramWipeOnRelease;
        if (never != 0)
        {
            string why = abi == AbiRevision.Linux6_18
                ? $"GEM_LIST_HANDLES reports bo->flags & AMDGPU_GEM_CREATE_SETTABLE_MASK (0x{(ulong)GemCreateFlags.SettableMaskLinux6_18:x})"
                : $"the {abi.ToId()} ioctl masks out VRAM_WIPE_ON_RELEASE (0x200)";
            report.Add(At(Descriptors.AllocFlagsNeverReported, $"BO {handle} has alloc_flags bits 0x{never:x} that cannot come from the kernel: {why}", handle, offset));
        }

        const ulong both = (ulong)(GemCreateFlags.CpuAccessRequired | GemCreateFlags.NoCpuAccess);
        if ((flags & both) == both)
        {
            report.Add(At(Descriptors.ContradictoryCpuAccess, $"BO {handle} has both CPU_ACCESS_REQUIRED and NO_CPU_ACCESS in alloc_flags 0x{flags:x}", handle, offset));
        }
    }

    private static void CheckDomains(in BoRecord bo, KernelProfile target, bool created, long offset, IDiagnosticSink report)
    {
        uint handle = bo.GemHandle;
        ulong domains = bo.PreferredDomains;
        ulong unknown = domains & ~target.DomainMask;
        if (unknown != 0)
        {
            report.Add(At(Descriptors.UnknownDomains, $"BO {handle} has preferred_domains 0x{domains:x} with bits 0x{unknown:x} outside the uapi AMDGPU_GEM_DOMAIN_* set (0x{target.DomainMask:x})", handle, offset, created ? RestoreCall.GemCreate : null));
        }

        ulong special = domains & SpecialDomains;
        if (target.SpecialDomainAlone && (special != 0 && (domains & target.DomainMask) != special || System.Numerics.BitOperations.PopCount(special) > 1))
        {
            report.Add(At(Descriptors.SpecialDomainNotAlone, $"BO {handle} has preferred_domains 0x{domains:x}: on {target.Name} a special domain (GDS, GWS, OA, DOORBELL, MMIO_REMAP) must be the only one", handle, offset, created ? RestoreCall.GemCreate : null));
        }
    }

    private static void CheckCreate(in BoRecord bo, KernelProfile target, long offset, IDiagnosticSink report)
    {
        uint handle = bo.GemHandle;
        ulong refused = bo.AllocFlags & ~target.SettableCreateFlags;
        if (refused != 0)
        {
            report.Add(At(Descriptors.CreateFlagsRefused, $"BO {handle} has alloc_flags 0x{bo.AllocFlags:x}: GEM_CREATE on {target.Name} refuses bits 0x{refused:x} (it accepts 0x{target.SettableCreateFlags:x})", handle, offset, RestoreCall.GemCreate));
        }
        else if ((bo.PreferredDomains & OnChipDomains) != 0 && (bo.AllocFlags & (ulong)GemCreateFlags.VmAlwaysValid) != 0)
        {
            report.Add(At(Descriptors.CreateFlagsRefused, $"BO {handle} is a GDS, GWS or OA BO (domains 0x{bo.PreferredDomains:x}) with VM_ALWAYS_VALID: GEM_CREATE refuses it (\"GDS bo cannot be per-vm-bo\")", handle, offset, RestoreCall.GemCreate));
        }

        if (bo.Alignment is > 1 and var pages)
        {
            report.Add(At(Descriptors.AlignmentInPages, $"BO {handle} has alignment {pages} (CPU pages, 0x{(UInt128)pages * CpuPage:x} bytes); CRIU passes it to GEM_CREATE, which reads bytes, so the BO comes back aligned to 0x{Math.Max(pages, CpuPage):x}", handle, offset));
        }
    }

    private static Diagnostic At(DiagnosticDescriptor descriptor, string message, uint handle, long offset, RestoreCall? call = null) =>
        new(descriptor, message) { GemHandle = handle, ByteOffset = offset, Call = call };
}
