using CriuImage.Abi;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Kernel;
using CriuImage.Restore;

namespace CriuImage.Verification;

/// <summary>
/// Checks of one VM bucket against its BO and the VM, as GEM_VA on the target kernel would see it when CRIU
/// hands the saved values back (amdgpu_gem_va_ioctl, amdgpu_vm_verify_parameters, amdgpu_vm_bo_map), plus
/// where the flags can have come from. verify and <see cref="RestorePlan"/> both call these. All arithmetic is
/// overflow-safe: values up to 2^64-1 in any field are findings, not wrapped numbers.
/// </summary>
internal sealed class VmRules
{
    /// <summary><c>AMDGPU_GMC_HOLE_START</c>: GEM_VA refuses addresses from here ...</summary>
    public const ulong HoleStart = 0x0000_8000_0000_0000;

    /// <summary>... up to <c>AMDGPU_GMC_HOLE_END</c>, checked on the value as passed, before the mask.</summary>
    public const ulong HoleEnd = 0xFFFF_8000_0000_0000;

    /// <summary><c>AMDGPU_GMC_HOLE_MASK</c>: what GEM_VA keeps of an address outside the hole.</summary>
    public const ulong HoleMask = 0x0000_FFFF_FFFF_FFFF;

    private const ulong LegacyReserve = 2 * 1024 * 1024;
    private const ulong AccessBits = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable | VmFlags.PageExecutable);
    private const ulong PteAccessBits = (ulong)(PteFlags.Readable | PteFlags.Writeable | PteFlags.Executable);

    private readonly ImageHeader _header;
    private readonly KernelProfile _target;
    private readonly bool _fastPath;
    private readonly ulong _pageSize;
    private readonly int _pageShift;
    private readonly int _vaBits;
    private readonly UInt128 _vmBytes;
    private readonly ulong? _definedPteBits;
    private readonly ulong _ptePrtBit;
    private readonly ulong _fastFlagsAllowed;
    private readonly ulong _fastPageLimit;
    private readonly ulong _fastFirstPage;

    /// <summary>Prepares the checks for images with <paramref name="header"/> restored on <paramref name="target"/>.</summary>
    /// <param name="header">The image's header.</param>
    /// <param name="target">The restore kernel; null for the generation that produced the image's revision.</param>
    /// <param name="fastPath">False only in tests that compare the fast path with the full checks.</param>
    public VmRules(ImageHeader header, KernelProfile? target = null, bool fastPath = true)
    {
        _header = header;
        _target = target ?? KernelProfile.For(header.Abi);
        _pageSize = header.GpuPageSize;
        _pageShift = System.Numerics.BitOperations.Log2(_pageSize);
        _vaBits = header.Device?.VaBits ?? DeviceInfo.DefaultVaBits;
        _vmBytes = UInt128.One << _vaBits;
        (_definedPteBits, _ptePrtBit) = PteLayout(header.Device?.GcIpVersion);

        // The fast path accepts only what surely raises no finding; anything else takes the full checks. PTE
        // flags never restore as saved, so those mappings always take the full checks.
        _fastPath = fastPath && header.MappingFlags == MappingFlagsKind.Uapi;
        _fastFlagsAllowed = header.Abi == AbiRevision.Criu2025_06
            ? (ulong)VmFlags.Criu2025_06Mask & ~(ulong)VmFlags.PagePrt
            : (ulong)VmFlags.ValidMask & ~(ulong)(VmFlags.MtypeMask | VmFlags.DelayUpdate) | (ulong)VmFlags.MtypeRw;
        UInt128 usable = UInt128.Min(_vmBytes - _target.ReservedTop, HoleStart);
        _fastPageLimit = (ulong)(usable >> _pageShift);
        _fastFirstPage = Math.Max(LegacyReserve, _target.ReservedBottom) >> _pageShift;
    }

    /// <summary>The restore kernel the checks are for.</summary>
    public KernelProfile Target => _target;

    /// <summary>True when raw PTE flags cannot be checked for want of a known GC IP version.</summary>
    public bool PteUnchecked => _header.MappingFlags == MappingFlagsKind.Pte && _definedPteBits is null;

    /// <summary>True when the image claims raw PTE flags but the generation that produced its revision reports uapi flags (linux-6.18).</summary>
    public bool PteFlagsFromUapiKernel =>
        _header.MappingFlags == MappingFlagsKind.Pte && KernelProfile.For(_header.Abi).MappingFlagsReported == MappingFlagsKind.Uapi;

    /// <summary>Checks one mapping; returns its page range for the overlap check, or null when it has no valid range.</summary>
    public MappingRange? Check(in VmRecord vm, uint index, in BoRecord bo, int boOrdinal, long offset, IDiagnosticSink report)
    {
        if (_fastPath && TryFast(vm, bo, out ulong firstPage, out ulong lastPage))
        {
            return new MappingRange(firstPage, lastPage, boOrdinal, index);
        }

        var where = new Site(bo.GemHandle, index, offset);
        CheckFlags(vm.Flags, where, report);
        return _header.Abi.MappingsInBytes() ? CheckBytes(vm, bo, boOrdinal, where, report) : CheckPages(vm, bo, boOrdinal, where, report);
    }

    /// <summary>
    /// The GEM_VA arguments CRIU passes for <paramref name="vm"/>: address and size in bytes (CRIU multiplies pages
    /// by 0x1000 in 64 bits), offset and flags as saved. Null fields did not fit 64 bits.
    /// </summary>
    public (ulong? Address, ulong? Size) SavedArguments(in VmRecord vm)
    {
        if (_header.Abi.MappingsInBytes())
        {
            return (vm.Addr, vm.Size);
        }

        UInt128 first = (UInt128)vm.Start << _pageShift;
        UInt128 size = vm.Start > vm.Last ? UInt128.Zero : ((UInt128)vm.Last - vm.Start + 1) << _pageShift;
        return (first > ulong.MaxValue ? null : (ulong)first, size > ulong.MaxValue || size == 0 ? null : (ulong)size);
    }

    /// <summary>What a restorer should pass instead of saved values GEM_VA would refuse or misread: the address sign-extended out of the hole, PTE flags converted to uapi. Null when nothing needs repair or nothing can.</summary>
    public (ulong Address, ulong Flags)? Repair(in VmRecord vm)
    {
        (ulong? address, _) = SavedArguments(vm);
        if (address is not { } va)
        {
            return null;
        }

        bool holeRepair = va is >= HoleStart and < HoleStart << 1;
        ulong flags = vm.Flags;
        bool flagRepair = _header.MappingFlags == MappingFlagsKind.Pte && _definedPteBits is not null;
        if (flagRepair)
        {
            flags = PteToUapi(vm.Flags);
        }

        return holeRepair || flagRepair ? (holeRepair ? va | ~HoleMask : va, flags) : null;
    }

    /// <summary>
    /// The common case in ulong arithmetic: flags within the plain set with an access bit and an MTYPE of at
    /// most RW, aligned, above 2 MiB, below the GMC hole and the reserved top, inside the BO. False sends the
    /// mapping to the full checks.
    /// </summary>
    private bool TryFast(in VmRecord vm, in BoRecord bo, out ulong firstPage, out ulong lastPage)
    {
        ulong flags = vm.Flags;
        ulong mask = _pageSize - 1;
        firstPage = 0;
        lastPage = 0;
        if ((flags & ~_fastFlagsAllowed) != 0 || (flags & AccessBits) == 0 || (vm.Offset & mask) != 0)
        {
            return false;
        }

        if (_header.Abi.MappingsInBytes())
        {
            if (vm.Size == 0 || ((vm.Addr | vm.Size) & mask) != 0)
            {
                return false;
            }

            firstPage = vm.Addr >> _pageShift;
            ulong pages = vm.Size >> _pageShift;
            if (pages > _fastPageLimit || firstPage > _fastPageLimit - pages)
            {
                return false;
            }

            lastPage = firstPage + pages - 1;
        }
        else
        {
            firstPage = vm.Start;
            lastPage = vm.Last;
            if (firstPage > lastPage || lastPage >= _fastPageLimit)
            {
                return false;
            }
        }

        ulong length = (lastPage - firstPage + 1) << _pageShift;
        return firstPage >= _fastFirstPage && vm.Offset <= bo.Size && length <= bo.Size - vm.Offset;
    }

    private MappingRange? CheckPages(in VmRecord vm, in BoRecord bo, int boOrdinal, Site where, IDiagnosticSink report)
    {
        if (vm.Start > vm.Last)
        {
            report.Add(where.Make(Descriptors.StartAfterLast, $"mapping {where.Mapping} of BO {where.Handle} starts at page 0x{vm.Start:x}, after its last page 0x{vm.Last:x}"));
            CheckOffsetAlignment(vm.Offset, where, report);
            return null;
        }

        CheckOffsetAlignment(vm.Offset, where, report);
        UInt128 first = (UInt128)vm.Start << _pageShift;
        UInt128 end = ((UInt128)vm.Last + 1) << _pageShift;
        UInt128? placed = CheckPlacement(first, end, where, report);
        CheckWithinBo(vm.Offset, end - first, bo, where, report);
        return Range(placed, end - first, boOrdinal, where);
    }

    private MappingRange? CheckBytes(in VmRecord vm, in BoRecord bo, int boOrdinal, Site where, IDiagnosticSink report)
    {
        ulong mask = _pageSize - 1;
        if (((vm.Addr | vm.Size | vm.Offset) & mask) != 0)
        {
            string[] misaligned =
            [
                .. (vm.Addr & mask) != 0 ? [$"addr 0x{vm.Addr:x}"] : Array.Empty<string>(),
                .. (vm.Size & mask) != 0 ? [$"size 0x{vm.Size:x}"] : Array.Empty<string>(),
                .. (vm.Offset & mask) != 0 ? [$"offset 0x{vm.Offset:x}"] : Array.Empty<string>(),
            ];
            report.Add(where.Make(Descriptors.MappingMisaligned, $"mapping {where.Mapping} of BO {where.Handle} has {string.Join(", ", misaligned)} not aligned to the {_pageSize}-byte GPU page"));
        }

        if (vm.Size == 0)
        {
            report.Add(where.Make(Descriptors.MappingSizeZero, $"mapping {where.Mapping} of BO {where.Handle} at {ShowAddress(vm.Addr)} has size 0"));
            return null;
        }

        UInt128 first = vm.Addr;
        UInt128? placed = CheckPlacement(first, first + vm.Size, where, report);
        CheckWithinBo(vm.Offset, vm.Size, bo, where, report);
        return Range(placed, vm.Size, boOrdinal, where);
    }

    /// <summary>The pages the kernel's interval tree would hold: the masked address's, when it has one.</summary>
    private MappingRange? Range(UInt128? placed, UInt128 length, int boOrdinal, Site where) =>
        placed is { } start ? new MappingRange((ulong)(start >> _pageShift), (ulong)((start + length - 1) >> _pageShift), boOrdinal, where.Mapping) : null;

    /// <summary>
    /// GEM_VA's address checks in its order: the reserved bottom and the GMC hole on the address as passed, then
    /// the masked address against the VM's end less the reserved top. Returns the masked address, or null when
    /// there is none (beyond 64 bits, or in the hole above 48 bits, where masking would move it elsewhere).
    /// </summary>
    private UInt128? CheckPlacement(UInt128 first, UInt128 end, Site where, IDiagnosticSink report)
    {
        if (first < _target.ReservedBottom)
        {
            report.Add(where.Make(Descriptors.BelowReservedBottom, $"mapping {where.Mapping} of BO {where.Handle} starts at 0x{first:x}, inside the reserved bottom {_target.ReservedBottom / 1024} KiB of the VM (AMDGPU_VA_RESERVED_BOTTOM)"));
        }
        else if (first < LegacyReserve)
        {
            report.Add(where.Make(Descriptors.BelowLegacyReserve, $"mapping {where.Mapping} of BO {where.Handle} starts at 0x{first:x}, below 2 MiB, which kernels before 6.9 reserved"));
        }

        if (end > (UInt128)ulong.MaxValue + 1)
        {
            report.Add(where.Make(Descriptors.PastVmEnd, $"mapping {where.Mapping} of BO {where.Handle} ends at byte 0x{end:x}, beyond 64 bits"));
            return null;
        }

        bool inHole = first >= HoleStart && first < HoleEnd;
        if (inHole)
        {
            string repair = first < HoleStart << 1
                ? $"; GET_MAPPING_INFO reports high-half addresses masked, so a restorer must pass it sign-extended (0x{(ulong)first | ~HoleMask:x})"
                : "";
            report.Add(where.Make(Descriptors.InGmcHole, $"mapping {where.Mapping} of BO {where.Handle} starts at 0x{first:x}, inside the GMC hole 0x{HoleStart:x}-0x{HoleEnd - 1:x} that GEM_VA refuses before masking{repair}"));
            if (first >= HoleStart << 1)
            {
                return null;
            }
        }

        UInt128 start = first & HoleMask;
        UInt128 stop = start + (end - first);
        if (stop > _vmBytes)
        {
            report.Add(where.Make(Descriptors.PastVmEnd, $"mapping {where.Mapping} of BO {where.Handle} ends at {ShowAddress((ulong)(stop - 1))}, past the last page of a {_vaBits}-bit VM (page 0x{(_vmBytes >> _pageShift) - 1:x})"));
        }
        else if (stop > _vmBytes - _target.ReservedTop)
        {
            report.Add(where.Make(Descriptors.InReservedTop, $"mapping {where.Mapping} of BO {where.Handle} ends at {ShowAddress((ulong)(stop - 1))}, inside the reserved top 0x{_target.ReservedTop:x} bytes of the VM (AMDGPU_VA_RESERVED_TOP: CSA, SEQ64, TRAP)"));
        }

        return start;
    }

    private void CheckWithinBo(ulong offset, UInt128 length, in BoRecord bo, Site where, IDiagnosticSink report)
    {
        UInt128 end = offset + length;
        if (end > bo.Size)
        {
            report.Add(where.Make(Descriptors.MappingPastBoEnd, $"mapping {where.Mapping} of BO {where.Handle} maps 0x{length:x} bytes from offset 0x{offset:x}, ending at 0x{end:x}, past the BO's size 0x{bo.Size:x}"));
        }
    }

    private void CheckOffsetAlignment(ulong offset, Site where, IDiagnosticSink report)
    {
        if ((offset & (_pageSize - 1)) != 0)
        {
            report.Add(where.Make(Descriptors.MappingMisaligned, $"mapping {where.Mapping} of BO {where.Handle} has offset 0x{offset:x} not aligned to the {_pageSize}-byte GPU page"));
        }
    }

    private void CheckFlags(ulong flags, Site where, IDiagnosticSink report)
    {
        if (_header.MappingFlags == MappingFlagsKind.Pte)
        {
            CheckPteFlags(flags, where, report);
            return;
        }

        string mapping = where.Name;
        if (_header.Abi == AbiRevision.Criu2025_06 && (flags & ~(ulong)VmFlags.Criu2025_06Mask) != 0)
        {
            report.Add(where.Make(Descriptors.FlagsOutsideCriu2025, $"{mapping} has flags 0x{flags:x}; the criu-2025-06 kernel converts PTE bits back to READABLE, WRITEABLE, EXECUTABLE, PRT and NOALLOC only (0x21e)"));
        }

        bool prt = (flags & (ulong)VmFlags.PagePrt) != 0;
        if (prt)
        {
            report.Add(where.Make(Descriptors.PrtOnBoMapping, $"{mapping} has the PRT flag (0x10): a PRT mapping has no BO, so it cannot be listed among a BO's mappings"));
        }

        ulong accepted = prt ? (ulong)VmFlags.ValidPrtMask : (ulong)VmFlags.ValidMask;
        if ((flags & ~accepted) != 0)
        {
            string hint = flags > 0x3FF ? "; bits above 0x3ff suggest raw PTE flags recorded as uapi" : "";
            report.Add(where.Make(Descriptors.FlagsNotAccepted, $"{mapping} has flags 0x{flags:x} with bits 0x{flags & ~accepted:x} that GEM_VA rejects (it accepts 0x{accepted:x}{(prt ? " with PRT" : "")}){hint}"));
        }

        ulong mtype = (flags & (ulong)VmFlags.MtypeMask) >> 5;
        if (mtype >= 6)
        {
            report.Add(where.Make(Descriptors.UndefinedMtype, $"{mapping} has MTYPE {mtype} in flags 0x{flags:x}; only 0..5 (DEFAULT, NC, WC, CC, UC, RW) are defined, and the kernel maps others as NC"));
        }

        if (!prt && (flags & AccessBits) == 0)
        {
            report.Add(where.Make(Descriptors.NoAccessBits, $"{mapping} has flags 0x{flags:x} without READABLE, WRITEABLE or EXECUTABLE"));
        }

        if ((flags & (ulong)VmFlags.DelayUpdate) != 0)
        {
            report.Add(where.Make(Descriptors.DelayUpdate, $"{mapping} has DELAY_UPDATE (0x1) in flags 0x{flags:x}: GEM_VA with it leaves the page tables unwritten until the next command submission"));
        }
    }

    private void CheckPteFlags(ulong flags, Site where, IDiagnosticSink report)
    {
        string mapping = where.Name;
        string converted = _definedPteBits is null ? "" : $"; converted as the criu-2025-06 kernel did (hardware_flags_to_uapi_flags) they are 0x{PteToUapi(flags):x}";
        report.Add(where.Make(Descriptors.PteFlagsNotUapi, $"{mapping} has PTE flags 0x{flags:x}, which CRIU would pass to GEM_VA as a 32-bit uapi value 0x{flags & 0xFFFF_FFFF:x}{converted}"));
        if (_definedPteBits is not { } defined)
        {
            return;
        }

        if ((flags & ~defined) != 0)
        {
            report.Add(where.Make(Descriptors.UndefinedPteBits, $"{mapping} has PTE flags 0x{flags:x} with bits 0x{flags & ~defined:x} that GC {_header.Device!.GcIpVersion} does not define"));
        }

        if ((flags & _ptePrtBit) != 0)
        {
            report.Add(where.Make(Descriptors.PrtOnBoMapping, $"{mapping} has the PTE PRT bit (0x{_ptePrtBit:x}): a PRT mapping has no BO") with { Call = null });
        }

        if ((flags & PteAccessBits) == 0)
        {
            report.Add(where.Make(Descriptors.NoAccessBits, $"{mapping} has PTE flags 0x{flags:x} without READABLE, WRITEABLE or EXECUTABLE"));
        }
    }

    /// <summary>PTE bits to uapi bits as <c>hardware_flags_to_uapi_flags</c> (criu-2025-06) converts them: access, PRT and NOALLOC; MTYPE is dropped.</summary>
    private ulong PteToUapi(ulong pte)
    {
        ulong uapi = 0;
        uapi |= (pte & (ulong)PteFlags.Executable) != 0 ? (ulong)VmFlags.PageExecutable : 0;
        uapi |= (pte & (ulong)PteFlags.Readable) != 0 ? (ulong)VmFlags.PageReadable : 0;
        uapi |= (pte & (ulong)PteFlags.Writeable) != 0 ? (ulong)VmFlags.PageWriteable : 0;
        uapi |= (pte & _ptePrtBit) != 0 ? (ulong)VmFlags.PagePrt : 0;
        uapi |= (pte & (ulong)PteFlags.NoAlloc) != 0 ? (ulong)VmFlags.PageNoalloc : 0;
        return uapi;
    }

    /// <summary>The PTE bits a GC generation defines, and its PRT bit; null for a generation we do not know.</summary>
    private static (ulong? Defined, ulong Prt) PteLayout(IpVersion? gc)
    {
        const ulong common = 0xFFF; // VALID, SYSTEM, SNOOPED, TMZ, EXECUTABLE, READABLE, WRITEABLE, FRAG
        const ulong beforeGfx12 = common | (1UL << 51) | (1UL << 54) | (1UL << 55) | (1UL << 56) | (1UL << 58);
        return gc?.Major switch
        {
            9 => (beforeGfx12 | (3UL << 57), 1UL << 51),
            10 or 11 => (beforeGfx12 | (7UL << 48), 1UL << 51),
            12 => (common | (3UL << 54) | (1UL << 56) | (1UL << 58) | (1UL << 63), 1UL << 56),
            _ => (null, 0),
        };
    }

    /// <summary>An address as a person reads it: masked high-half addresses of a 48-bit VM sign-extended.</summary>
    private string ShowAddress(ulong address) =>
        _vaBits == 48 && address is >= HoleStart and < HoleStart << 1
            ? $"0x{address | ~HoleMask:x} (high half)"
            : $"0x{address:x}";

    private readonly record struct Site(uint Handle, uint Mapping, long Offset)
    {
        public string Name => $"mapping {Mapping} of BO {Handle}";

        /// <summary>A finding of this mapping; one of the restore family names GEM_VA as its call.</summary>
        public Diagnostic Make(DiagnosticDescriptor descriptor, string message) =>
            new(descriptor, message)
            {
                GemHandle = Handle,
                Mapping = Mapping,
                ByteOffset = Offset,
                Call = descriptor.Severity == Severity.Error && descriptor.Check is not null ? RestoreCall.GemVa : null,
            };
    }
}
