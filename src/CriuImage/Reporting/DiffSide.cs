using CriuImage.Format;
using CriuImage.Verification;

namespace CriuImage.Reporting;

/// <summary>
/// One image as <see cref="ImageDifference"/> compares it: its header, and its BOs and mappings collected to be
/// read back by key (GEM handle; GPU address), ties in file order. Each kind is held up to a budget of records;
/// past it the records held are sorted and written as a run to an unlinked scratch file in the temporary folder
/// (<see cref="SpillBuffer{T}"/>), so memory stays at the budgets whatever the image holds: an external sort.
/// </summary>
internal sealed class DiffSide : IDisposable
{
    /// <summary>Mappings held in memory before a run is spilled: 6 MiB of records and 4 MiB of sort keys.</summary>
    public const int MappingBudget = 1 << 17;

    /// <summary>BOs held in memory before a run is spilled: 2.5 MiB of records and 1 MiB of sort keys.</summary>
    public const int BoBudget = 1 << 15;

    private readonly SpillBuffer<DiffBo> _bos;
    private readonly SpillBuffer<DiffMapping> _mappings;

    private DiffSide(ImageHeader header, int boBudget, int mappingBudget)
    {
        Header = header;
        _bos = new SpillBuffer<DiffBo>(boBudget);
        _mappings = new SpillBuffer<DiffMapping>(mappingBudget);
    }

    /// <summary>The image's header.</summary>
    public ImageHeader Header { get; }

    /// <summary>Reads every record of the image behind <paramref name="reader"/>, checked to its trailer as every reader does.</summary>
    /// <exception cref="Diagnostics.ImageFormatException">The image is damaged or truncated.</exception>
    /// <exception cref="IOException">The image, or the temporary folder a run is spilled to, cannot be read or written.</exception>
    public static async Task<DiffSide> ReadAsync(ImageReader reader, CancellationToken cancellationToken = default, int boBudget = BoBudget, int mappingBudget = MappingBudget)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ImageHeader header = reader.Header ?? await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        var side = new DiffSide(header, boBudget, mappingBudget);
        try
        {
            while (await reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false))
            {
                side.AddFrame(reader);
            }
        }
        catch
        {
            side.Dispose();
            throw;
        }

        return side;
    }

    /// <summary>The BOs by GEM handle, BOs of one handle in file order.</summary>
    public IEnumerable<DiffBo> Bos() => _bos.Ordered();

    /// <summary>The mappings by address (a record that is no valid range by its first word), those at one address in file order.</summary>
    public IEnumerable<DiffMapping> Mappings() => _mappings.Ordered();

    /// <summary>Closes the scratch file of the runs spilled, if any.</summary>
    public void Dispose()
    {
        _bos.Dispose();
        _mappings.Dispose();
    }

    /// <summary>Collects the records of the frame just loaded (synchronous: the reader's current record is a field, not a local an await could lose).</summary>
    private void AddFrame(ImageReader reader)
    {
        while (reader.TryReadRecord(out RecordTag tag))
        {
            if (tag == RecordTag.Bo)
            {
                // The count declared, which the reader holds to the records that follow (to the trailer).
                _bos.Add(new DiffBo(reader.CurrentBo));
                continue;
            }

            VmRecord vm = reader.CurrentVm;
            ulong address = MappingExtent.Of(vm, Header)?.Address ?? vm.First;
            _mappings.Add(new DiffMapping(address, reader.CurrentBo.GemHandle, vm));
        }
    }
}

/// <summary>A BO as diff keys it: by its GEM handle.</summary>
/// <param name="Bo">The BO record, with the count of mappings it declared.</param>
internal readonly record struct DiffBo(BoRecord Bo) : ISpillRecord
{
    /// <inheritdoc/>
    public ulong SortKey => Bo.GemHandle;
}

/// <summary>A mapping as diff keys it: by the GPU address it maps (a record that is no valid range by its first word, so it is still compared).</summary>
/// <param name="Address">The first byte mapped.</param>
/// <param name="Handle">The GEM handle of the BO it belongs to.</param>
/// <param name="Record">The VM record as the image holds it.</param>
internal readonly record struct DiffMapping(ulong Address, uint Handle, VmRecord Record) : ISpillRecord
{
    /// <inheritdoc/>
    public ulong SortKey => Address;
}
