namespace CriuImage.Verification;

/// <summary>
/// Collects records to be read back ordered by <see cref="ISpillRecord.SortKey"/>, ties in arrival order: in
/// fixed chunks (growing never copies), up to a budget of records; past it the records held are sorted and
/// written to a scratch file as a run (<see cref="SpillRuns{T}"/>), and the chunks are filled again. Memory stays
/// at the budget, its sort keys and a read buffer per run whatever the number of records. Used for the overlap
/// check's page ranges (24 bytes each) and the plan's overlap refusals.
/// </summary>
internal sealed class SpillBuffer<T>(int budget) : IDisposable
    where T : unmanaged, ISpillRecord
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly List<T[]> _chunks = [];
    private SortKey[]? _keys;
    private SortKey[]? _scratch;
    private SpillRuns<T>? _runs;
    private ulong _lastKey;

    /// <summary>The records added, held or spilled.</summary>
    public long Count => Held + (_runs?.Count ?? 0);

    /// <summary>The records held in memory (added since the last spill).</summary>
    public int Held { get; private set; }

    /// <summary>True while every record added has a key at least the one before: the runs then follow each other in order.</summary>
    public bool InKeyOrder { get; private set; } = true;

    /// <summary>The sorted runs on disk; null while everything is held.</summary>
    public SpillRuns<T>? Runs => _runs;

    public void Add(in T item)
    {
        if (Held == budget)
        {
            Spill();
        }

        int chunk = Held >> ChunkBits;
        if (chunk == _chunks.Count)
        {
            _chunks.Add(new T[Math.Min(ChunkSize, budget)]);
        }

        _chunks[chunk][Held & (ChunkSize - 1)] = item;
        Held++;
        ulong key = item.SortKey;
        InKeyOrder &= key >= _lastKey;
        _lastKey = key;
    }

    /// <summary>Visits every record in order: from memory, or merged from the runs spilled to disk.</summary>
    public void InOrder<TVisitor>(ref TVisitor visitor)
        where TVisitor : struct, IOrderedVisitor<T>
    {
        if (_runs is null)
        {
            HeldInOrder(ref visitor);
            return;
        }

        if (Held > 0)
        {
            Spill();
        }

        SpillRuns<T>.Merge merge = _runs.MergeAll(InKeyOrder);
        while (merge.Next(out T item))
        {
            visitor.Visit(item);
        }
    }

    /// <summary>Every record in order, one at a time (for a reader that pulls, as a plan's writer and diff do).</summary>
    public IEnumerable<T> Ordered()
    {
        if (_runs is null)
        {
            // Held records are at most the budget: their order is sorted at once, as 16-byte keys of its own (two
            // readers may pull at once), and each record read where it lies, not copied.
            SortKey[]? order = IsSorted() ? null : SortedKeys();
            for (int i = 0; i < Held; i++)
            {
                int index = order is null ? i : order[i].Index;
                yield return _chunks[index >> ChunkBits][index & (ChunkSize - 1)];
            }

            yield break;
        }

        if (Held > 0)
        {
            Spill();
        }

        SpillRuns<T>.Merge merge = _runs.MergeAll(InKeyOrder);
        while (merge.Next(out T item))
        {
            yield return item;
        }
    }

    public void Dispose() => _runs?.Dispose();

    /// <summary>The held part of each chunk, in order.</summary>
    private IEnumerable<ReadOnlyMemory<T>> Chunks()
    {
        for (int start = 0; start < Held; start += ChunkSize)
        {
            yield return _chunks[start >> ChunkBits].AsMemory(0, Math.Min(ChunkSize, Held - start));
        }
    }

    /// <summary>Writes the held records, in order, as one run, and empties the chunks (kept for reuse).</summary>
    private void Spill()
    {
        _runs ??= new SpillRuns<T>();
        var writer = new SpillRuns<T>.RunWriter(_runs);
        HeldInOrder(ref writer);
        writer.End();
        Held = 0;
    }

    /// <summary>Visits the records held in memory by key, ties in arrival order.</summary>
    private void HeldInOrder<TVisitor>(ref TVisitor visitor)
        where TVisitor : struct, IOrderedVisitor<T>
    {
        if (Held == 0)
        {
            return;
        }

        // Kernels list mappings in address order more often than not: then the records are visited where they
        // lie; otherwise only 16-byte keys are sorted, and the records looked up through them.
        if (IsSorted())
        {
            foreach (ReadOnlyMemory<T> chunk in Chunks())
            {
                foreach (T item in chunk.Span)
                {
                    visitor.Visit(item);
                }
            }

            return;
        }

        if (_keys is null || _keys.Length < Held)
        {
            _keys = new SortKey[Held];
            _scratch = new SortKey[Held];
        }

        int next = FillKeys(_keys);
        Span<SortKey> sorted = RadixSort(_keys.AsSpan(0, next), _scratch.AsSpan(0, next));
        T[][] chunks = [.. _chunks];
        foreach (SortKey key in sorted)
        {
            visitor.Visit(chunks[key.Index >> ChunkBits][key.Index & (ChunkSize - 1)]);
        }
    }

    /// <summary>The held records' keys in order, in arrays of their own; the one of the two that holds them.</summary>
    private SortKey[] SortedKeys()
    {
        var keys = new SortKey[Held];
        var scratch = new SortKey[Held];
        return RadixSort(keys.AsSpan(0, FillKeys(keys)), scratch).Overlaps(keys) ? keys : scratch;
    }

    /// <summary>Puts each held record's key and arrival index in <paramref name="keys"/>; returns how many.</summary>
    private int FillKeys(SortKey[] keys)
    {
        int next = 0;
        foreach (ReadOnlyMemory<T> chunk in Chunks())
        {
            foreach (T item in chunk.Span)
            {
                keys[next] = new SortKey(item.SortKey, next);
                next++;
            }
        }

        return next;
    }

    private bool IsSorted()
    {
        ulong previous = 0;
        foreach (ReadOnlyMemory<T> chunk in Chunks())
        {
            foreach (T item in chunk.Span)
            {
                if (item.SortKey < previous)
                {
                    return false;
                }

                previous = item.SortKey;
            }
        }

        return true;
    }

    /// <summary>
    /// A stable LSD radix sort by key, 11 bits a pass, skipping the digits every key shares (page numbers of a
    /// 48-bit VM use 36 bits): keys arrive in index order, so stability keeps index order among equal keys.
    /// Returns whichever of the two buffers holds the sorted keys.
    /// </summary>
    private static Span<SortKey> RadixSort(Span<SortKey> keys, Span<SortKey> scratch)
    {
        const int bits = 11;
        const int mask = (1 << bits) - 1;
        Span<int> starts = stackalloc int[1 << bits];
        Span<SortKey> source = keys;
        Span<SortKey> target = scratch;
        for (int shift = 0; shift < 64; shift += bits)
        {
            starts.Clear();
            foreach (SortKey key in source)
            {
                starts[(int)(key.Key >> shift) & mask]++;
            }

            if (starts[(int)(source[0].Key >> shift) & mask] == source.Length)
            {
                continue;
            }

            int sum = 0;
            for (int digit = 0; digit < starts.Length; digit++)
            {
                (starts[digit], sum) = (sum, sum + starts[digit]);
            }

            foreach (SortKey key in source)
            {
                target[starts[(int)(key.Key >> shift) & mask]++] = key;
            }

            Span<SortKey> swap = source;
            source = target;
            target = swap;
        }

        return source;
    }

    /// <summary>What the sort moves: the key and the arrival index (16 bytes).</summary>
    private readonly record struct SortKey(ulong Key, int Index);
}
