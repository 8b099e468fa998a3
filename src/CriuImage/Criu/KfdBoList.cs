using System.Collections;
using CriuImage.IO;

namespace CriuImage.Criu;

/// <summary>
/// A KFD image's BO entries as the reader keeps them: <see cref="KfdBo"/> values (48 bytes, no object each) in chunks of
/// 8,192, the first of them in memory while the <see cref="HeldBudget"/> shared by the files read with it grants them (a
/// quarter of what the GC may use: about 10^6 BOs under a 256 MiB container limit, fewer beside a render node that holds
/// its own), the rest in an unlinked scratch file (<see cref="ScratchArray{TRecord}"/>), read back a chunk at a time.
/// Its scratch file is closed when the command that read it ends (<see cref="RunScratch"/> owns the file, not the list,
/// which public records hold, <see cref="CriuKfd"/>, <see cref="CriuDumpFile"/>, that are not disposed themselves). Where the reader held a <see cref="KfdBoEntry"/>
/// a BO (80 bytes with its reference), 2x10^6 BOs took 160 MB; held in full they take 96 MB, and past the budget the
/// memory stays at it whatever the count. The rules walk the values (<see cref="Values"/>, <see cref="At"/>); through
/// <see cref="IReadOnlyList{T}"/> each entry is made a <see cref="KfdBoEntry"/> when asked for.
/// </summary>
internal sealed class KfdBoList : IReadOnlyList<KfdBoEntry>, IDisposable
{
    private readonly ScratchArray<KfdBo> _records;
    private readonly Lock _readLock = new();
    private bool _fillHandle;
    private bool _fillIsImport;

    private KfdBoList(ScratchArray<KfdBo> records) => _records = records;

    /// <summary>An empty list the reader adds to, holding as many values as the <see cref="HeldBudget.Current"/> grants; closed with the command that reads it.</summary>
    public static KfdBoList ForReader()
    {
        return new KfdBoList(new ScratchArray<KfdBo>(HeldBudget.Current));
    }

    /// <summary>The entries of <paramref name="bos"/> as values: the reader's own list, or (an image built by a caller) a copy held in memory.</summary>
    public static KfdBoList Of(IReadOnlyList<KfdBoEntry> bos)
    {
        if (bos is KfdBoList list)
        {
            return list;
        }

        var copy = new KfdBoList(new ScratchArray<KfdBo>(int.MaxValue));
        foreach (KfdBoEntry bo in bos)
        {
            copy.Add(KfdBo.Of(bo));
        }

        return copy;
    }

    /// <summary>The number of entries.</summary>
    public int Count => (int)_records.Count;

    /// <summary>The entry at <paramref name="index"/>, made as a public object.</summary>
    public KfdBoEntry this[int index] => At(index).ToEntry();

    /// <summary>Appends an entry.</summary>
    public void Add(in KfdBo bo) => _records.Add(bo);

    /// <summary>From now on, field 6 (<paramref name="handle"/>) and field 7 (<paramref name="isImport"/>) read 0 in the entries that lack them (the revision requires them).</summary>
    public void FillRequired(bool handle, bool isImport)
    {
        _fillHandle = handle;
        _fillIsImport = isImport;
    }

    /// <summary>The entry at <paramref name="index"/> as values.</summary>
    public KfdBo At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        if (index < _records.HeldCount)
        {
            return _records[index].Filled(_fillHandle, _fillIsImport);
        }

        // Past the held chunks the array reads through a cache of its own, which one thread at a time may use.
        lock (_readLock)
        {
            return _records[index].Filled(_fillHandle, _fillIsImport);
        }
    }

    /// <summary>The entries as values, in order, for <c>foreach (KfdBo bo in bos.Values)</c>, a chunk at a time.</summary>
    public ValueWalk Values => new(this);

    /// <inheritdoc/>
    public IEnumerator<KfdBoEntry> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Closes the scratch file, if the values outgrew their budget; the list is not read after.</summary>
    public void Dispose() => _records.Dispose();

    /// <summary>A walk of the entries as values, a chunk at a time, read past the held ones into a buffer of the walk's own.</summary>
    public ref struct ValueWalk
    {
        private readonly KfdBoList? _bos;
        private KfdBo[]? _buffer;
        private ReadOnlySpan<KfdBo> _chunk;
        private int _index;
        private int _at;

        public ValueWalk(KfdBoList bos)
        {
            _bos = bos;
            _index = -1;
            _at = 0;
        }

        /// <summary>The index of <see cref="Current"/> among the entries.</summary>
        public readonly int Index => _index;

        /// <summary>The entry the walk is at.</summary>
        public readonly KfdBo Current => _chunk[_at].Filled(_bos!._fillHandle, _bos._fillIsImport);

        /// <summary>This walk (for <c>foreach</c>).</summary>
        public readonly ValueWalk GetEnumerator() => this;

        /// <summary>Steps to the next entry.</summary>
        public bool MoveNext()
        {
            if (_bos is null || ++_index >= _bos.Count)
            {
                return false;
            }

            _at = _index & (ScratchArray<KfdBo>.ChunkSize - 1);
            if (_at == 0)
            {
                // The buffer is made only for the first chunk not held.
                long chunk = _index / ScratchArray<KfdBo>.ChunkSize;
                _chunk = _bos._records.Chunk(chunk, _index < _bos._records.HeldCount ? [] : _buffer ??= new KfdBo[ScratchArray<KfdBo>.ChunkSize]);
            }

            return true;
        }
    }
}
