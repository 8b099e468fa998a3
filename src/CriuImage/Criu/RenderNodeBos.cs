using System.Collections;
using System.Runtime.CompilerServices;
using CriuImage.Format;
using CriuImage.IO;

namespace CriuImage.Criu;

/// <summary>
/// A render node's BO entries as the reader keeps them: <see cref="DrmBo"/> values in chunks of 8,192 and the mappings
/// in shared chunks (112 bytes for a one-mapping BO), while the <see cref="HeldBudget"/> shared by the files read with it
/// grants them. Past that, a node read from a file holds no values (and gives their bytes back to the budget): each pass reads them again from the file (<see cref="EntryCursor"/>,
/// through the descriptor or the memory the reader was given), and what is kept per BO is its handle (4 bytes, for the
/// lookups of CRI105 and the replay) and, for every 64th BO, where its field begins (an entry is found by index with
/// at most 63 others skipped): 41 MB for 10^7 BOs, where the values took 1.1 GB. The rules and the replay walk the
/// values (<see cref="Values"/>, <see cref="At"/>); through <see cref="IReadOnlyList{T}"/> each entry is made a
/// <see cref="CriuBoEntry"/> when asked for.
/// </summary>
internal sealed class RenderNodeBos : IReadOnlyList<CriuBoEntry>
{
    private const int ChunkBits = 13;
    private const int ChunkMask = (1 << ChunkBits) - 1;
    private const int VmChunk = 1 << 13;
    private const int MarkBits = 6;
    /// <summary>The bytes of values taken from the budget at a time.</summary>
    private const long TakenBlock = 1 << 16;

    /// <summary>The file the entries can be read again from, or null (a node a caller built).</summary>
    private readonly (WireWindow File, long End, bool D5377d5d2)? _source;
    /// <summary>What the values are taken from; null for a node a caller built, which holds them all.</summary>
    private readonly HeldBudget? _budget;
    /// <summary>Once the budget refuses the values: the handles, the values let go.</summary>
    private List<uint[]>? _handles;
    /// <summary>The bytes taken from the budget and not yet used.</summary>
    private long _taken;
    private long _heldBytes;
    /// <summary>Where the field of every 64th entry begins.</summary>
    private readonly List<long> _marks = [];
    private readonly List<DrmBo[]> _chunks = [];
    private readonly Lock _cursorLock = new();
    private EntryCursor? _cursor;
    private VmRecord[] _vms = [];
    private int _vmsUsed;
    private bool _anyImport;

    private RenderNodeBos((WireWindow File, long End, bool D5377d5d2)? source, HeldBudget? budget)
    {
        _source = source;
        _budget = budget;
    }

    /// <summary>
    /// Where the caller's flow counts the entries read again from a file (each walk and lookup adds what it reads;
    /// null: not counted): what tests hold the passes of each command to.
    /// </summary>
    internal static AsyncLocal<StrongBox<long>?> EntryReads { get; } = new();

    /// <summary>Whether the values are read again from the file on each pass (none held).</summary>
    public bool Reread => _handles is not null;

    /// <summary>The number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>The number of mappings of all entries.</summary>
    public long Mappings { get; private set; }

    /// <summary>The index of the first entry whose num_of_vms is not the number of its vm_entries, or -1: found as the entries are added, so a rule that needs only the first reads no entry again.</summary>
    public int FirstVmCountMismatch { get; private set; } = -1;

    /// <summary>
    /// Whether some entry's num_of_vms is not the number of its vm_entries or its addr is not its last mapping's (0 without one):
    /// found as the entries are added, so that the rules of each entry (<c>RenderNodeRules</c>) walk the node only when one will be said.
    /// </summary>
    public bool AnyEntryOwnBreach { get; private set; }

    /// <summary>The entry at <paramref name="index"/>, made as a public object.</summary>
    public CriuBoEntry this[int index] => At(index).ToEntry();

    /// <summary>The entries of a message ending at <paramref name="end"/> in <paramref name="file"/>, added as the reader reads them (<see cref="Add"/>), held or read again from it.</summary>
    public static RenderNodeBos Over(WireWindow file, long end, bool d5377d5d2) => new((file, end, d5377d5d2), HeldBudget.Current);

    /// <summary>The entries of <paramref name="bos"/> as values: the reader's own store, or (a node built by a caller) a copy.</summary>
    public static RenderNodeBos Of(IReadOnlyList<CriuBoEntry> bos)
    {
        if (bos is RenderNodeBos held)
        {
            return held;
        }

        var copy = new RenderNodeBos(null, null);
        foreach (CriuBoEntry bo in bos)
        {
            copy.Add(DrmBo.Of(bo), bo.VmEntries, bo.ByteOffset);
        }

        return copy;
    }

    /// <summary>The GEM handle of the entry at <paramref name="index"/>, without reading the entry again.</summary>
    public uint HandleAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return _handles is null ? _chunks[index >> ChunkBits][index & ChunkMask].Handle : _handles[index >> ChunkBits][index & ChunkMask];
    }

    /// <summary>The entry at <paramref name="index"/>: read again from the file (the next one after the last asked for without a seek), or the values held.</summary>
    public DrmBo At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        if (_handles is null || _source is not { } source)
        {
            return _chunks[index >> ChunkBits][index & ChunkMask];
        }

        lock (_cursorLock)
        {
            EntryCursor cursor = _cursor ??= new EntryCursor(source.File.Again(), source.End, source.D5377d5d2, EntryReads.Value);
            if (cursor.Index == index)
            {
                return cursor.Current;
            }

            if (cursor.Index + 1 == index && cursor.Index >= 0)
            {
                cursor.Read(cursor.Next, index);
                return cursor.Current;
            }

            int from = index >> MarkBits << MarkBits;
            long at = _marks[index >> MarkBits];
            for (int skipped = from; skipped < index; skipped++)
            {
                at = cursor.SkipEntry(at);
            }

            cursor.Read(at, index);
            return cursor.Current;
        }
    }

    /// <summary>Appends an entry of <paramref name="values"/> with the mappings <paramref name="vms"/>, which the reader read from the field at <paramref name="fieldAt"/> of the file.</summary>
    public void Add(in DrmBo values, ReadOnlySpan<VmRecord> vms, long fieldAt)
    {
        if (_source is not null && (Count & ((1 << MarkBits) - 1)) == 0)
        {
            _marks.Add(fieldAt);
        }

        if (_handles is null && !Granted(Unsafe.SizeOf<DrmBo>() + ((long)vms.Length * Unsafe.SizeOf<VmRecord>())))
        {
            LetValuesGo();
        }

        if (_handles is null)
        {
            Hold(values, vms);
        }
        else
        {
            if ((Count & ChunkMask) == 0)
            {
                _handles.Add(new uint[1 << ChunkBits]);
            }

            _handles[^1][Count & ChunkMask] = values.Handle;
        }

        if (values.NumOfVms != (uint)vms.Length && FirstVmCountMismatch < 0)
        {
            FirstVmCountMismatch = Count;
        }

        AnyEntryOwnBreach |= values.NumOfVms != (uint)vms.Length || values.Addr != (vms.Length == 0 ? 0 : vms[^1].Addr);
        _anyImport |= values.IsImport != 0;
        Mappings += vms.Length;
        Count++;
    }

    /// <summary>
    /// Whether the budget grants <paramref name="bytes"/> more of values: taken from it a block at a time (one atomic
    /// operation per block, not per BO), or just the bytes when a block is not left.
    /// </summary>
    private bool Granted(long bytes)
    {
        if (_budget is null)
        {
            return true;
        }

        if (_taken < bytes)
        {
            long more = Math.Max(bytes - _taken, TakenBlock);
            if (!_budget.TryTake(more) && !_budget.TryTake(more = bytes - _taken))
            {
                return false;
            }

            _taken += more;
        }

        _taken -= bytes;
        _heldBytes += bytes;
        return true;
    }

    /// <summary>Keeps the handles of the entries held and lets their values go: from now on they are read again from the file, and what the values took goes back to the budget.</summary>
    private void LetValuesGo()
    {
        _budget?.GiveBack(_heldBytes + _taken);
        _heldBytes = 0;
        _taken = 0;
        _handles = new List<uint[]>(_chunks.Count);
        foreach (DrmBo[] chunk in _chunks)
        {
            var handles = new uint[1 << ChunkBits];
            for (int i = 0; i < chunk.Length; i++)
            {
                handles[i] = chunk[i].Handle;
            }

            _handles.Add(handles);
        }

        _chunks.Clear();
        _vms = [];
        _vmsUsed = 0;
    }

    /// <summary>Holds an entry of <paramref name="values"/> with the mappings <paramref name="vms"/>.</summary>
    private void Hold(in DrmBo values, ReadOnlySpan<VmRecord> vms)
    {
        if (_vms.Length - _vmsUsed < vms.Length)
        {
            // A BO's mappings are one slice: a new chunk when they do not fit the rest of this one.
            _vms = new VmRecord[Math.Max(VmChunk, vms.Length)];
            _vmsUsed = 0;
        }

        vms.CopyTo(_vms.AsSpan(_vmsUsed));
        if ((Count & ChunkMask) == 0)
        {
            _chunks.Add(new DrmBo[1 << ChunkBits]);
        }

        _chunks[^1][Count & ChunkMask] = values.WithVms(_vms, _vmsUsed, vms.Length);
        _vmsUsed += vms.Length;
    }

    /// <summary>Whether an entry is an imported dma-buf (noted as the entries are added: no walk).</summary>
    public bool AnyImport() => _anyImport;

    /// <summary>How many entries export (are not imports of) GEM handle <paramref name="handle"/>.</summary>
    public int Exports(uint handle)
    {
        int count = 0;
        foreach (ref readonly DrmBo bo in Values)
        {
            count += bo.IsImport == 0 && bo.Handle == handle ? 1 : 0;
        }

        return count;
    }

    /// <summary>The entries as values, in order, for <c>foreach (ref readonly DrmBo bo in bos.Values)</c>: each read again from the file by a cursor of the walk's own.</summary>
    public ValueWalk Values => new(this);

    /// <inheritdoc/>
    public IEnumerator<CriuBoEntry> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A walk of the entries as values, a chunk at a time, or read from the file (the default one walks none).</summary>
    public ref struct ValueWalk
    {
        private readonly RenderNodeBos? _bos;
        private readonly EntryCursor? _cursor;
        private int _index = -1;
        private ReadOnlySpan<DrmBo> _chunk;

        public ValueWalk(RenderNodeBos? bos)
        {
            _bos = bos;
            _cursor = bos is { _handles: not null, _source: { } source } ? new EntryCursor(source.File.Again(), source.End, source.D5377d5d2, EntryReads.Value) : null;
        }

        /// <summary>The entry the walk is at.</summary>
        public readonly ref readonly DrmBo Current => ref _cursor is null ? ref _chunk[_index & ChunkMask] : ref _cursor.Current;

        /// <summary>This walk (for <c>foreach</c>).</summary>
        public readonly ValueWalk GetEnumerator() => this;

        /// <summary>Steps to the next entry.</summary>
        public bool MoveNext()
        {
            if (_bos is null || ++_index >= _bos.Count)
            {
                return false;
            }

            if (_cursor is not null)
            {
                _cursor.Read(_index == 0 ? _bos._marks[0] : _cursor.Next, _index);
            }
            else if ((_index & ChunkMask) == 0)
            {
                _chunk = _bos._chunks[_index >> ChunkBits];
            }

            return true;
        }
    }
}
