using CriuImage.Abi;

namespace CriuImage.Verification;

/// <summary>
/// Checks of one VM bucket against its BO and the VM (amdgpu_gem_va_ioctl, amdgpu_vm_verify_parameters,
/// amdgpu_vm_bo_map). All arithmetic is overflow-safe: values up to 2^64-1 in any field are findings, not
/// wrapped numbers.
/// </summary>
internal sealed class VmRules
{
    private const ulong ReservedBottom = 64 * 1024;
    private const ulong LegacyReserve = 2 * 1024 * 1024;
    private const ulong AccessBits = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable | VmFlags.PageExecutable);
    private const ulong PteAccessBits = (ulong)(PteFlags.Readable | PteFlags.Writeable | PteFlags.Executable);

    private readonly ImageHeader _header;
    private readonly bool _fastPath;
    private readonly ulong _pageSize;
    private readonly int _pageShift;
    private readonly int _vaBits;
    private readonly UInt128 _vmBytes;
    private readonly ulong? _definedPteBits;
    private readonly ulong _ptePrtBit;
    private readonly ulong _fastFlagsAllowed;
    private readonly ulong _fastFlagsForbidden;
    private readonly ulong _fastAccessBits;
    private readonly ulong _fastPageLimit;
    private readonly ulong _fastFirstPage;

    /// <summary>Prepares the checks for images with <paramref name="header"/>.</summary>
    /// <param name="header">The image's header.</param>
    /// <param name="fastPath">False only in tests that compare the fast path with the full checks.</param>
    public VmRules(ImageHeader header, bool fastPath = true)
    {
        _fastPath = fastPath;
        _header = header;
        _pageSize = header.GpuPageSize;
        _pageShift = System.Numerics.BitOperations.Log2(_pageSize);
        _vaBits = header.Device?.VaBits ?? DeviceInfo.DefaultVaBits;
        _vmBytes = UInt128.One << _vaBits;
        (_definedPteBits, _ptePrtBit) = PteLayout(header.Device?.GcIpVersion);

        // The fast path accepts only what surely raises no finding; anything else takes the full checks.
        (_fastFlagsAllowed, _fastFlagsForbidden, _fastAccessBits) = header.MappingFlags == MappingFlagsKind.Pte
            ? (_definedPteBits ?? ulong.MaxValue, _ptePrtBit, _definedPteBits is null ? 0 : PteAccessBits)
            : header.Abi == AbiRevision.Criu2025_06
                ? ((ulong)VmFlags.Criu2025_06Mask, (ulong)VmFlags.PagePrt, AccessBits)
                : ((ulong)VmFlags.ValidMask & ~(ulong)VmFlags.MtypeMask | (ulong)VmFlags.MtypeRw, (ulong)VmFlags.PagePrt, AccessBits);
        _fastPageLimit = (ulong)UInt128.Min(_vmBytes >> _pageShift, UInt128.One << (63 - _pageShift));
        _fastFirstPage = LegacyReserve >> _pageShift;
    }

    /// <summary>True when raw PTE flags cannot be checked for want of a known GC IP version.</summary>
    public bool PteUnchecked => _header.MappingFlags == MappingFlagsKind.Pte && _definedPteBits is null;

    /// <summary>Checks one mapping; returns its page range for the overlap check, or null when it has no valid range.</summary>
    public MappingRange? Check(in VmRecord vm, uint index, in BoRecord bo, int boOrdinal, long offset, DiagnosticBag bag)
    {
        if (_fastPath && TryFast(vm, bo, out ulong firstPage, out ulong lastPage))
        {
            return new MappingRange(firstPage, lastPage, boOrdinal, index);
        }

        var where = new Where(bo.GemHandle, index, offset);
        CheckFlags(vm.Flags, where, bag);
        return _header.Abi.MappingsInBytes() ? CheckBytes(vm, bo, boOrdinal, where, bag) : CheckPages(vm, bo, boOrdinal, where, bag);
    }

    /// <summary>
    /// The common case in ulong arithmetic: flags within the plain set with an access bit and an MTYPE of at
    /// most RW, aligned, above 2 MiB, inside the VM and the BO. False sends the mapping to the full checks.
    /// </summary>
    private bool TryFast(in VmRecord vm, in BoRecord bo, out ulong firstPage, out ulong lastPage)
    {
        ulong flags = vm.Flags;
        ulong mask = _pageSize - 1;
        firstPage = 0;
        lastPage = 0;
        if ((flags & ~_fastFlagsAllowed) != 0 || (flags & _fastFlagsForbidden) != 0 || (_fastAccessBits != 0 && (flags & _fastAccessBits) == 0) || (vm.Offset & mask) != 0)
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

    private MappingRange? CheckPages(in VmRecord vm, in BoRecord bo, int boOrdinal, Where where, DiagnosticBag bag)
    {
        if (vm.Start > vm.Last)
        {
            bag.Add(where.Make(Descriptors.StartAfterLast, $"mapping {where.Mapping} of BO {where.Handle} starts at page 0x{vm.Start:x}, after its last page 0x{vm.Last:x}"));
            CheckOffsetAlignment(vm.Offset, where, bag);
            return null;
        }

        CheckOffsetAlignment(vm.Offset, where, bag);
        UInt128 first = (UInt128)vm.Start << _pageShift;
        UInt128 end = ((UInt128)vm.Last + 1) << _pageShift;
        CheckPlacement(first, end, where, bag);
        CheckWithinBo(vm.Offset, end - first, bo, where, bag);
        return new MappingRange(vm.Start, vm.Last, boOrdinal, where.Mapping);
    }

    private MappingRange? CheckBytes(in VmRecord vm, in BoRecord bo, int boOrdinal, Where where, DiagnosticBag bag)
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
            bag.Add(where.Make(Descriptors.MappingMisaligned, $"mapping {where.Mapping} of BO {where.Handle} has {string.Join(", ", misaligned)} not aligned to the {_pageSize}-byte GPU page"));
        }

        if (vm.Size == 0)
        {
            bag.Add(where.Make(Descriptors.MappingSizeZero, $"mapping {where.Mapping} of BO {where.Handle} at {ShowAddress(vm.Addr)} has size 0"));
            return null;
        }

        UInt128 first = Canonical(vm.Addr);
        UInt128 end = first + vm.Size;
        CheckPlacement(first, end, where, bag);
        CheckWithinBo(vm.Offset, vm.Size, bo, where, bag);
        return end > (UInt128)ulong.MaxValue + 1 ? null : new MappingRange((ulong)(first >> _pageShift), (ulong)((end - 1) >> _pageShift), boOrdinal, where.Mapping);
    }

    /// <summary>Where a mapping lies in the VM: above the reserved bottom, below the VM's end, within 64 bits.</summary>
    private void CheckPlacement(UInt128 first, UInt128 end, Where where, DiagnosticBag bag)
    {
        if (end > (UInt128)ulong.MaxValue + 1)
        {
            bag.Add(where.Make(Descriptors.PastVmEnd, $"mapping {where.Mapping} of BO {where.Handle} ends at byte 0x{end:x}, beyond 64 bits"));
        }
        else if (end > _vmBytes)
        {
            bag.Add(where.Make(Descriptors.PastVmEnd, $"mapping {where.Mapping} of BO {where.Handle} ends at {ShowAddress((ulong)(end - 1))}, past the last page of a {_vaBits}-bit VM (page 0x{(_vmBytes >> _pageShift) - 1:x})"));
        }

        if (first < ReservedBottom)
        {
            bag.Add(where.Make(Descriptors.BelowReservedBottom, $"mapping {where.Mapping} of BO {where.Handle} starts at 0x{first:x}, inside the reserved bottom 64 KiB of the VM (AMDGPU_VA_RESERVED_BOTTOM)"));
        }
        else if (first < LegacyReserve)
        {
            bag.Add(where.Make(Descriptors.BelowLegacyReserve, $"mapping {where.Mapping} of BO {where.Handle} starts at 0x{first:x}, below 2 MiB, which kernels before 6.9 reserved"));
        }
    }

    private void CheckWithinBo(ulong offset, UInt128 length, in BoRecord bo, Where where, DiagnosticBag bag)
    {
        UInt128 end = offset + length;
        if (end > bo.Size)
        {
            bag.Add(where.Make(Descriptors.MappingPastBoEnd, $"mapping {where.Mapping} of BO {where.Handle} maps 0x{length:x} bytes from offset 0x{offset:x}, ending at 0x{end:x}, past the BO's size 0x{bo.Size:x}"));
        }
    }

    private void CheckOffsetAlignment(ulong offset, Where where, DiagnosticBag bag)
    {
        if ((offset & (_pageSize - 1)) != 0)
        {
            bag.Add(where.Make(Descriptors.MappingMisaligned, $"mapping {where.Mapping} of BO {where.Handle} has offset 0x{offset:x} not aligned to the {_pageSize}-byte GPU page"));
        }
    }

    private void CheckFlags(ulong flags, Where where, DiagnosticBag bag)
    {
        if (_header.MappingFlags == MappingFlagsKind.Pte)
        {
            CheckPteFlags(flags, where, bag);
            return;
        }

        string mapping = where.Name;
        if (_header.Abi == AbiRevision.Criu2025_06 && (flags & ~(ulong)VmFlags.Criu2025_06Mask) != 0)
        {
            bag.Add(where.Make(Descriptors.FlagsOutsideCriu2025, $"{mapping} has flags 0x{flags:x}; the criu-2025-06 kernel converts PTE bits back to READABLE, WRITEABLE, EXECUTABLE, PRT and NOALLOC only (0x21e)"));
        }

        bool prt = (flags & (ulong)VmFlags.PagePrt) != 0;
        if (prt)
        {
            bag.Add(where.Make(Descriptors.PrtOnBoMapping, $"{mapping} has the PRT flag (0x10): a PRT mapping has no BO, so it cannot be listed among a BO's mappings"));
        }

        ulong accepted = prt ? (ulong)VmFlags.ValidPrtMask : (ulong)VmFlags.ValidMask;
        if (_header.Abi != AbiRevision.Criu2025_06 && (flags & ~accepted) != 0)
        {
            string hint = flags > 0x3FF ? "; bits above 0x3ff suggest raw PTE flags recorded as uapi" : "";
            bag.Add(where.Make(Descriptors.FlagsNotAccepted, $"{mapping} has flags 0x{flags:x} with bits 0x{flags & ~accepted:x} that GEM_VA rejects (it accepts 0x{accepted:x}{(prt ? " with PRT" : "")}){hint}"));
        }

        ulong mtype = (flags & (ulong)VmFlags.MtypeMask) >> 5;
        if (mtype >= 6)
        {
            bag.Add(where.Make(Descriptors.UndefinedMtype, $"{mapping} has MTYPE {mtype} in flags 0x{flags:x}; only 0..5 (DEFAULT, NC, WC, CC, UC, RW) are defined"));
        }

        if (!prt && (flags & AccessBits) == 0)
        {
            bag.Add(where.Make(Descriptors.NoAccessBits, $"{mapping} has flags 0x{flags:x} without READABLE, WRITEABLE or EXECUTABLE"));
        }
    }

    private void CheckPteFlags(ulong flags, Where where, DiagnosticBag bag)
    {
        if (_definedPteBits is not { } defined)
        {
            return;
        }

        string mapping = where.Name;
        if ((flags & ~defined) != 0)
        {
            bag.Add(where.Make(Descriptors.UndefinedPteBits, $"{mapping} has PTE flags 0x{flags:x} with bits 0x{flags & ~defined:x} that GC {_header.Device!.GcIpVersion} does not define"));
        }

        if ((flags & _ptePrtBit) != 0)
        {
            bag.Add(where.Make(Descriptors.PrtOnBoMapping, $"{mapping} has the PTE PRT bit (0x{_ptePrtBit:x}): a PRT mapping has no BO"));
        }

        if ((flags & PteAccessBits) == 0)
        {
            bag.Add(where.Make(Descriptors.NoAccessBits, $"{mapping} has PTE flags 0x{flags:x} without READABLE, WRITEABLE or EXECUTABLE"));
        }
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

    /// <summary>A 48-bit VM's high half comes back masked; one given sign-extended is brought to the same place.</summary>
    private UInt128 Canonical(ulong address) =>
        _vaBits == 48 && address >= 0xFFFF_8000_0000_0000 ? address & 0xFFFF_FFFF_FFFF : address;

    /// <summary>An address as a person reads it: high-half addresses of a 48-bit VM sign-extended.</summary>
    private string ShowAddress(ulong address) =>
        _vaBits == 48 && address is >= 0x8000_0000_0000 and < 0x1_0000_0000_0000
            ? $"0x{address | 0xFFFF_0000_0000_0000:x} (high half)"
            : $"0x{address:x}";

    private readonly record struct Where(uint Handle, uint Mapping, long Offset)
    {
        public string Name => $"mapping {Mapping} of BO {Handle}";

        public Diagnostic Make(DiagnosticDescriptor descriptor, string message) =>
            new(descriptor, message) { GemHandle = Handle, Mapping = Mapping, ByteOffset = Offset };
    }
}
