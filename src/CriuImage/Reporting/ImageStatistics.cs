using CriuImage.Abi;
using CriuImage.Format;

namespace CriuImage.Reporting;

/// <summary>
/// What an operator asks of an image at a glance, gathered in one pass with memory independent of its size:
/// bytes per preferred-domain set, mappings per BO, BO and mapping sizes in power-of-two classes, and the
/// span of GPU virtual addresses. Sums are 128-bit: they never wrap.
/// </summary>
internal sealed class ImageStatistics
{
    private readonly ImageHeader _header;
    private readonly SortedDictionary<string, (long Bos, UInt128 Bytes)> _domains = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, long> _mappingsPerBo = [];
    private readonly SortedDictionary<int, long> _boSizes = [];
    private readonly SortedDictionary<int, long> _mappingSizes = [];

    /// <summary>Starts the statistics of an image with <paramref name="header"/>.</summary>
    public ImageStatistics(ImageHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        _header = header;
    }

    /// <summary>BOs seen.</summary>
    public long Bos { get; private set; }

    /// <summary>Mappings seen.</summary>
    public long Mappings { get; private set; }

    /// <summary>BO bytes in all.</summary>
    public UInt128 BoBytes { get; private set; }

    /// <summary>Bytes mapped in all (a page mapped twice counts twice).</summary>
    public UInt128 MappedBytes { get; private set; }

    /// <summary>Mappings whose record is no valid range (left out of the span and sizes).</summary>
    public long InvalidMappings { get; private set; }

    /// <summary>Lowest mapped address; null without a valid mapping.</summary>
    public ulong? LowestAddress { get; private set; }

    /// <summary>One past the highest mapped byte (up to 2^64).</summary>
    public UInt128? EndAddress { get; private set; }

    /// <summary>Largest number of mappings of one BO.</summary>
    public long MostMappings { get; private set; }

    /// <summary>Per set of preferred domains (<c>VRAM</c>, <c>GTT|VRAM</c>, <c>0</c>): BOs and their bytes.</summary>
    public IReadOnlyDictionary<string, (long Bos, UInt128 Bytes)> BytesPerDomain => _domains;

    /// <summary>Mappings per BO in classes: key k counts BOs with 0 mappings (k = -1) or with 2^k to 2^(k+1)-1.</summary>
    public IReadOnlyDictionary<int, long> MappingsPerBo => _mappingsPerBo;

    /// <summary>BO sizes in classes: key k counts sizes from 2^k to 2^(k+1)-1 bytes (-1: size 0).</summary>
    public IReadOnlyDictionary<int, long> BoSizes => _boSizes;

    /// <summary>Mapping sizes in classes, as <see cref="BoSizes"/> (key 64: exactly 2^64 bytes).</summary>
    public IReadOnlyDictionary<int, long> MappingSizes => _mappingSizes;

    /// <summary>Adds one BO, with the count of mappings it declares (the reader holds it to the records that follow); its mappings come one by one (<see cref="AddMapping"/>).</summary>
    public void AddBo(in BoRecord bo)
    {
        Bos++;
        BoBytes += bo.Size;
        string domains = FlagNames.Join(FlagNames.OfDomains(bo.PreferredDomains));
        (long count, UInt128 bytes) = _domains.GetValueOrDefault(domains);
        _domains[domains] = (count + 1, bytes + bo.Size);
        Bump(_boSizes, Class(bo.Size));
        Bump(_mappingsPerBo, Class(bo.MappingCount));
        MostMappings = Math.Max(MostMappings, bo.MappingCount);
    }

    /// <summary>Adds one mapping of the BO added last: a BO of 10^7 mappings is counted without holding them.</summary>
    public void AddMapping(in VmRecord vm)
    {
        Mappings++;
        if (MappingExtent.Of(vm, _header) is not { } extent)
        {
            InvalidMappings++;
            return;
        }

        MappedBytes += extent.Size;
        Bump(_mappingSizes, extent.Size == (UInt128)ulong.MaxValue + 1 ? 64 : Class((ulong)extent.Size));
        UInt128 end = extent.Address + extent.Size;
        LowestAddress = LowestAddress is { } low && low <= extent.Address ? low : extent.Address;
        EndAddress = EndAddress is { } high && high >= end ? high : end;
    }

    /// <summary>The lower bound of class <paramref name="k"/> (0 for the class of zero).</summary>
    public static UInt128 ClassStart(int k) => k < 0 ? 0 : UInt128.One << k;

    private static int Class(ulong value) => value == 0 ? -1 : 63 - (int)ulong.LeadingZeroCount(value);

    private static void Bump(SortedDictionary<int, long> classes, int k) => classes[k] = classes.GetValueOrDefault(k) + 1;
}
