using CriuImage.Format;

namespace CriuImage.Reporting;

/// <summary>A mapping's GPU virtual-address range in bytes, whatever the revision recorded (pages or bytes).</summary>
/// <param name="Address">First byte address.</param>
/// <param name="Size">Bytes mapped (up to 2^64, hence 128 bits).</param>
internal readonly record struct MappingExtent(ulong Address, UInt128 Size)
{
    /// <summary>The extent of <paramref name="vm"/> under <paramref name="header"/>; null when the record does not describe a valid range (empty, misaligned, past 64 bits).</summary>
    public static MappingExtent? Of(in VmRecord vm, ImageHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        uint pageSize = header.GpuPageSize is > 0 and var p && (p & (p - 1)) == 0 ? p : ImageHeader.DefaultGpuPageSize;
        if (NormalizedMapping.TryCreate(vm, header.Abi, pageSize, out NormalizedMapping m) != NormalizeResult.Success)
        {
            return null;
        }

        return new MappingExtent((ulong)((UInt128)m.StartPage * pageSize), m.PageCount * pageSize);
    }
}
