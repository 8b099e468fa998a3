using System.Collections;
using CriuImage.Format;

namespace CriuImage.Criu;

/// <summary>
/// A render node's BO entries as the reader keeps them: <see cref="DrmBo"/> values in chunks of 8,192 and the
/// mappings in shared chunks, no object per BO or per mapping list, and nothing copied as the list grows (112 bytes
/// for a one-mapping BO, where an entry object with its mapping array and list slot took 168). The rules and the replay walk the values
/// (<see cref="At"/>); through <see cref="IReadOnlyList{T}"/> each entry is made a <see cref="CriuBoEntry"/> when
/// asked for, for a public caller.
/// </summary>
internal sealed class RenderNodeBos : IReadOnlyList<CriuBoEntry>
{
    private const int ChunkBits = 13;
    private const int ChunkMask = (1 << ChunkBits) - 1;
    private const int VmChunk = 1 << 13;

    private readonly List<DrmBo[]> _chunks = [];
    private VmRecord[] _vms = [];
    private int _vmsUsed;

    /// <summary>The number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>The number of mappings of all entries.</summary>
    public long Mappings { get; private set; }

    /// <summary>The entry at <paramref name="index"/>, made as a public object.</summary>
    public CriuBoEntry this[int index] => At(index).ToEntry();

    /// <summary>The entries of <paramref name="bos"/> as values: the reader's own store, or (a node built by a caller) a copy.</summary>
    public static RenderNodeBos Of(IReadOnlyList<CriuBoEntry> bos)
    {
        if (bos is RenderNodeBos held)
        {
            return held;
        }

        var copy = new RenderNodeBos();
        foreach (CriuBoEntry bo in bos)
        {
            copy.Add(DrmBo.Of(bo), bo.VmEntries);
        }

        return copy;
    }

    /// <summary>The entry at <paramref name="index"/>.</summary>
    public ref readonly DrmBo At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return ref _chunks[index >> ChunkBits][index & ChunkMask];
    }

    /// <summary>Appends an entry of <paramref name="values"/> with the mappings <paramref name="vms"/>.</summary>
    public void Add(in DrmBo values, ReadOnlySpan<VmRecord> vms)
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
        Mappings += vms.Length;
        Count++;
    }

    /// <summary>Whether an entry is an imported dma-buf.</summary>
    public bool AnyImport()
    {
        foreach (ref readonly DrmBo bo in Values)
        {
            if (bo.IsImport != 0)
            {
                return true;
            }
        }

        return false;
    }

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

    /// <summary>The entries as values, in order, for <c>foreach (ref readonly DrmBo bo in bos.Values)</c>.</summary>
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

    /// <summary>A walk of the entries as values, a chunk at a time (the default one walks none).</summary>
    public ref struct ValueWalk(RenderNodeBos? bos)
    {
        private int _index = -1;
        private ReadOnlySpan<DrmBo> _chunk;

        /// <summary>The entry the walk is at.</summary>
        public readonly ref readonly DrmBo Current => ref _chunk[_index & ChunkMask];

        /// <summary>This walk (for <c>foreach</c>).</summary>
        public readonly ValueWalk GetEnumerator() => this;

        /// <summary>Steps to the next entry.</summary>
        public bool MoveNext()
        {
            if (bos is null || ++_index >= bos.Count)
            {
                return false;
            }

            if ((_index & ChunkMask) == 0)
            {
                _chunk = bos._chunks[_index >> ChunkBits];
            }

            return true;
        }
    }
}
