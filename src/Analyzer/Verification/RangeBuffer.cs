namespace CriuImage.Analyzer.Verification;

/// <summary>
/// Collects mapping ranges in fixed chunks, so growing never copies; <see cref="Drain"/> hands them over
/// as one array for sorting. Peak memory is two copies of 24 bytes per mapping, never the three that
/// doubling an array costs while it copies.
/// </summary>
internal sealed class RangeBuffer
{
    private const int ChunkSize = 64 * 1024;

    private readonly List<MappingRange[]> _chunks = [];
    private int _inLast = ChunkSize;

    public long Count => ((long)(_chunks.Count - 1) * ChunkSize) + _inLast;

    public void Add(in MappingRange range)
    {
        if (_inLast == ChunkSize)
        {
            _chunks.Add(new MappingRange[ChunkSize]);
            _inLast = 0;
        }

        _chunks[^1][_inLast++] = range;
    }

    /// <summary>All ranges in insertion order, as one array; the buffer is empty afterwards.</summary>
    public MappingRange[] Drain()
    {
        if (_chunks.Count == 0)
        {
            return [];
        }

        var all = new MappingRange[Count];
        int at = 0;
        for (int i = 0; i < _chunks.Count; i++)
        {
            int length = i == _chunks.Count - 1 ? _inLast : ChunkSize;
            _chunks[i].AsSpan(0, length).CopyTo(all.AsSpan(at));
            at += length;
            _chunks[i] = [];
        }

        _chunks.Clear();
        _inLast = ChunkSize;
        return all;
    }
}
