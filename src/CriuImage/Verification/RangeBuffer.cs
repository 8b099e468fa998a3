namespace CriuImage.Verification;

/// <summary>
/// Collects mapping ranges for the overlap sweep in fixed chunks, in arrival order (which is BO order, then
/// mapping order), so growing never copies: 24 bytes per mapping, up to <c>budget</c> ranges. Past the budget
/// the ranges held are sorted and written to a scratch file as a run (<see cref="RangeRuns"/>), and the chunks
/// are filled again: memory stays at the budget (and its sort keys) whatever the number of mappings.
/// </summary>
internal sealed class RangeBuffer(int budget = RangeBuffer.DefaultBudget) : IDisposable
{
    /// <summary>Ranges held in memory before a run is spilled: 12 MiB, and 16 MiB more of sort keys when they come out of order.</summary>
    public const int DefaultBudget = 1 << 19;

    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly List<MappingRange[]> _chunks = [];
    private OverlapSweep.SortKey[]? _keys;
    private OverlapSweep.SortKey[]? _scratch;
    private RangeRuns? _runs;
    private ulong _lastFirst;

    /// <summary>The ranges added, held or spilled.</summary>
    public long Count => Held + (_runs?.Count ?? 0);

    /// <summary>The ranges held in memory (added since the last spill).</summary>
    public int Held { get; private set; }

    /// <summary>True while every range added starts at or after the one before: the runs then follow each other in order.</summary>
    public bool InAddressOrder { get; private set; } = true;

    /// <summary>The sorted runs on disk; null while everything is held.</summary>
    public RangeRuns? Runs => _runs;

    /// <summary>A view for random access in a hot loop: the chunks as a plain array.</summary>
    public Lookup ToLookup() => new([.. _chunks]);

    public void Add(in MappingRange range)
    {
        if (Held == budget)
        {
            Spill();
        }

        int chunk = Held >> ChunkBits;
        if (chunk == _chunks.Count)
        {
            _chunks.Add(new MappingRange[ChunkSize]);
        }

        _chunks[chunk][Held & (ChunkSize - 1)] = range;
        Held++;
        InAddressOrder &= range.First >= _lastFirst;
        _lastFirst = range.First;
    }

    /// <summary>The held part of each chunk, in order.</summary>
    public IEnumerable<ReadOnlyMemory<MappingRange>> Chunks()
    {
        for (int start = 0; start < Held; start += ChunkSize)
        {
            yield return _chunks[start >> ChunkBits].AsMemory(0, Math.Min(ChunkSize, Held - start));
        }
    }

    /// <summary>Sort keys for the held ranges and a second buffer of the same size, kept for the next spill.</summary>
    public (OverlapSweep.SortKey[] Keys, OverlapSweep.SortKey[] Scratch) SortBuffers()
    {
        if (_keys is null || _keys.Length < Held)
        {
            _keys = new OverlapSweep.SortKey[Held];
            _scratch = new OverlapSweep.SortKey[Held];
        }

        return (_keys, _scratch!);
    }

    /// <summary>Once something is spilled, the held ranges go out as the last run, so that every range is in a run.</summary>
    public RangeRuns SpillAll()
    {
        if (Held > 0 || _runs is null)
        {
            Spill();
        }

        return _runs!;
    }

    public void Dispose() => _runs?.Dispose();

    /// <summary>Writes the held ranges, in sweep order, as one run, and empties the chunks (kept for reuse).</summary>
    private void Spill()
    {
        _runs ??= new RangeRuns();
        var writer = new RangeRuns.Writer(_runs);
        OverlapSweep.HeldInOrder(this, ref writer);
        writer.End();
        Held = 0;
    }

    /// <summary>Random access to the ranges without the list's indirection.</summary>
    public readonly struct Lookup(MappingRange[][] chunks)
    {
        public MappingRange this[int index] => chunks[index >> ChunkBits][index & (ChunkSize - 1)];
    }
}
