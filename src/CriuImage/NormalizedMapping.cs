using CriuImage.Abi;
using CriuImage.Format;

namespace CriuImage;

/// <summary>
/// A VM bucket in one shape whatever the revision: an inclusive range of GPU pages and a byte offset into
/// the BO, as CRIU passes them to GEM_VA (<c>va_address = StartPage * page size</c>,
/// <c>map_size = PageCount * page size</c>). High-half pages are the masked ones GET_MAPPING_INFO reports,
/// which GEM_VA refuses as in the GMC hole until they are sign-extended: <see cref="Restore.RestorePlan"/>
/// shows the repaired address.
/// </summary>
/// <param name="StartPage">First GPU page.</param>
/// <param name="LastPage">Last GPU page, inclusive.</param>
/// <param name="Offset">Byte offset into the BO.</param>
/// <param name="Flags">Mapping flags as recorded.</param>
public readonly record struct NormalizedMapping(ulong StartPage, ulong LastPage, ulong Offset, ulong Flags)
{
    /// <summary>Number of pages, from 1 to 2^64 (hence 128 bits).</summary>
    public UInt128 PageCount => (UInt128)LastPage - StartPage + 1;

    /// <summary>
    /// Converts a recorded VM bucket, checking what the conversion needs: a non-empty range, page-aligned
    /// linux-6.18 address and size, and an end within 64-bit addresses. Nothing is wrapped: a value that does
    /// not convert is reported by the result, and <paramref name="mapping"/> is then default.
    /// </summary>
    public static NormalizeResult TryCreate(in VmRecord vm, AbiRevision abi, uint pageSize, out NormalizedMapping mapping)
    {
        if (pageSize == 0 || (pageSize & (pageSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, "the page size must be a power of two");
        }

        mapping = default;
        if (!abi.MappingsInBytes())
        {
            if (vm.Start > vm.Last)
            {
                return NormalizeResult.Empty;
            }

            if (((UInt128)vm.Last + 1) * pageSize > (UInt128)ulong.MaxValue + 1)
            {
                return NormalizeResult.Overflow;
            }

            mapping = new NormalizedMapping(vm.Start, vm.Last, vm.Offset, vm.Flags);
            return NormalizeResult.Success;
        }

        if (vm.Size == 0)
        {
            return NormalizeResult.Empty;
        }

        if (((vm.Addr | vm.Size) & (pageSize - 1)) != 0)
        {
            return NormalizeResult.Misaligned;
        }

        if ((UInt128)vm.Addr + vm.Size > (UInt128)ulong.MaxValue + 1)
        {
            return NormalizeResult.Overflow;
        }

        int shift = System.Numerics.BitOperations.Log2(pageSize);
        mapping = new NormalizedMapping(vm.Addr >> shift, (vm.Addr >> shift) + (vm.Size >> shift) - 1, vm.Offset, vm.Flags);
        return NormalizeResult.Success;
    }

    /// <summary>The recorded form of this mapping in <paramref name="abi"/>'s units; overflow-checked.</summary>
    /// <exception cref="OverflowException">The range does not fit that revision's fields.</exception>
    public VmRecord ToRecord(AbiRevision abi, uint pageSize)
    {
        if (!abi.MappingsInBytes())
        {
            return new VmRecord(StartPage, LastPage, Offset, Flags);
        }

        int shift = System.Numerics.BitOperations.Log2(pageSize);
        UInt128 addr = (UInt128)StartPage << shift;
        UInt128 size = PageCount << shift;
        return addr + size > (UInt128)ulong.MaxValue + 1 || LastPage < StartPage
            ? throw new OverflowException($"pages 0x{StartPage:x}-0x{LastPage:x} do not fit 64-bit byte addresses")
            : new VmRecord((ulong)addr, (ulong)size, Offset, Flags);
    }
}

/// <summary>Whether a VM bucket converts to a <see cref="NormalizedMapping"/>.</summary>
public enum NormalizeResult
{
    /// <summary>Converted.</summary>
    Success,

    /// <summary>No pages: start after last, or size zero.</summary>
    Empty,

    /// <summary>A linux-6.18 address or size that is not a whole number of pages.</summary>
    Misaligned,

    /// <summary>The range ends beyond 64-bit byte addresses.</summary>
    Overflow,
}
