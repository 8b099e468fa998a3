namespace CriuImage.Verification;

/// <summary>
/// Collects mapping ranges in fixed chunks, in arrival order (which is BO order, then mapping order), so
/// growing never copies: 24 bytes per mapping.
/// </summary>
internal sealed class RangeBuffer
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly List<MappingRange[]> _chunks = [];
    private int _inLast = ChunkSize;

    public int Count => ((_chunks.Count - 1) * ChunkSize) + _inLast;

    /// <summary>A view for random access in a hot loop: the chunks as a plain array.</summary>
    public Lookup ToLookup() => new([.. _chunks]);

    public void Add(in MappingRange range)
    {
        if (_inLast == ChunkSize)
        {
            _chunks.Add(new MappingRange[ChunkSize]);
            _inLast = 0;
        }

        _chunks[^1][_inLast++] = range;
    }

    /// <summary>The filled part of each chunk, in order.</summary>
    public IEnumerable<ReadOnlyMemory<MappingRange>> Chunks()
    {
        for (int i = 0; i < _chunks.Count; i++)
        {
            yield return _chunks[i].AsMemory(0, i == _chunks.Count - 1 ? _inLast : ChunkSize);
        }
    }

    /// <summary>Random access to the ranges without the list's indirection.</summary>
    public readonly struct Lookup(MappingRange[][] chunks)
    {
        public MappingRange this[int index] => chunks[index >> ChunkBits][index & (ChunkSize - 1)];
    }
}
