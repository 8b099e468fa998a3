using CriuImage.Abi;

namespace CriuImage.Verification;

/// <summary>Checks of one BO bucket on its own (amdgpu_gem_create_ioctl, amdgpu_bo_create, the CRIU ioctls' masks).</summary>
internal static class BoRules
{
    /// <summary>Every AMDGPU_GEM_CREATE_* bit mainline defines (bit 4 was SHADOW and is gone).</summary>
    private const ulong KnownAllocFlags = 0x1FFEF;

    /// <summary>Bits only ROCm's DKMS driver defines: SPARSE, TOP_DOWN, NO_EVICT.</summary>
    private const ulong RocmAllocFlags = 0xE0000000;

    private const ulong SpecialDomains = (ulong)(GemDomains.Gds | GemDomains.Gws | GemDomains.Oa | GemDomains.Doorbell | GemDomains.MmioRemap);

    /// <summary>DRM_FILE_PAGE_OFFSET_START on 64-bit: fake mmap offsets start at 4 GiB.</summary>
    private const ulong FakeOffsetStart = 0x1_0000_0000;

    private const ulong CpuPage = 4096;

    public static void Check(in BoRecord bo, ImageHeader header, long offset, DiagnosticBag bag)
    {
        uint handle = bo.GemHandle;
        if (bo.Size == 0)
        {
            bag.Add(At(Descriptors.BoSizeZero, $"BO {handle} has size 0", handle, offset));
        }
        else if (bo.Size % header.GpuPageSize != 0)
        {
            bag.Add(At(Descriptors.BoSizeNotPageMultiple, $"BO {handle} has size {bo.Size} (0x{bo.Size:x}), not a multiple of the {header.GpuPageSize}-byte GPU page", handle, offset));
        }

        if (bo.Offset is { } mmap)
        {
            if (mmap % CpuPage != 0)
            {
                bag.Add(At(Descriptors.MmapOffsetMisaligned, $"BO {handle} has mmap offset 0x{mmap:x}, not aligned to {CpuPage} bytes", handle, offset));
            }
            else if (mmap < FakeOffsetStart)
            {
                bag.Add(At(Descriptors.MmapOffsetBelowStart, $"BO {handle} has mmap offset 0x{mmap:x}, below the DRM fake-offset start 0x{FakeOffsetStart:x}", handle, offset));
            }
        }

        CheckAllocFlags(bo, header.Abi, offset, bag);
        CheckDomains(bo, offset, bag);
        if ((bo.Flags & ~(uint)BoFlags.IsImport) != 0)
        {
            bag.Add(At(Descriptors.UnknownBoFlags, $"BO {handle} has flags 0x{bo.Flags:x}; only IS_IMPORT (0x1) is defined", handle, offset));
        }
    }

    private static void CheckAllocFlags(in BoRecord bo, AbiRevision abi, long offset, DiagnosticBag bag)
    {
        uint handle = bo.GemHandle;
        ulong flags = bo.AllocFlags;
        ulong unknown = flags & ~KnownAllocFlags;
        if (unknown != 0)
        {
            string rocm = (unknown & RocmAllocFlags) != 0 ? " (bits 29-31 are ROCm DKMS's SPARSE, TOP_DOWN, NO_EVICT, unknown to mainline)" : "";
            bag.Add(At(Descriptors.UnknownAllocFlags, $"BO {handle} has alloc_flags 0x{flags:x} with bits 0x{unknown:x} outside the uapi AMDGPU_GEM_CREATE_* set{rocm}", handle, offset));
        }

        ulong never = abi == AbiRevision.Linux6_18
            ? flags & KnownAllocFlags & ~(ulong)GemCreateFlags.SettableMaskLinux6_18
            : flags & (ulong)GemCreateFlags.VramWipeOnRelease;
        if (never != 0)
        {
            string why = abi == AbiRevision.Linux6_18
                ? $"GEM_LIST_HANDLES reports bo->flags & AMDGPU_GEM_CREATE_SETTABLE_MASK (0x{(ulong)GemCreateFlags.SettableMaskLinux6_18:x})"
                : $"the {abi.ToId()} ioctl masks out VRAM_WIPE_ON_RELEASE (0x200)";
            bag.Add(At(Descriptors.AllocFlagsNeverReported, $"BO {handle} has alloc_flags bits 0x{never:x} that cannot come from the kernel: {why}", handle, offset));
        }

        const ulong both = (ulong)(GemCreateFlags.CpuAccessRequired | GemCreateFlags.NoCpuAccess);
        if ((flags & both) == both)
        {
            bag.Add(At(Descriptors.ContradictoryCpuAccess, $"BO {handle} has both CPU_ACCESS_REQUIRED and NO_CPU_ACCESS in alloc_flags 0x{flags:x}", handle, offset));
        }
    }

    private static void CheckDomains(in BoRecord bo, long offset, DiagnosticBag bag)
    {
        uint handle = bo.GemHandle;
        ulong domains = bo.PreferredDomains;
        ulong unknown = domains & ~(ulong)GemDomains.Mask;
        if (unknown != 0)
        {
            bag.Add(At(Descriptors.UnknownDomains, $"BO {handle} has preferred_domains 0x{domains:x} with bits 0x{unknown:x} outside the uapi AMDGPU_GEM_DOMAIN_* set (0xff)", handle, offset));
        }

        ulong special = domains & SpecialDomains;
        if (special != 0 && (domains & (ulong)GemDomains.Mask) != special || System.Numerics.BitOperations.PopCount(special) > 1)
        {
            bag.Add(At(Descriptors.SpecialDomainNotAlone, $"BO {handle} has preferred_domains 0x{domains:x}: a special domain (GDS, GWS, OA, DOORBELL, MMIO_REMAP) must be the only one", handle, offset));
        }
    }

    private static Diagnostic At(DiagnosticDescriptor descriptor, string message, uint handle, long offset) =>
        new(descriptor, message) { GemHandle = handle, ByteOffset = offset };
}
