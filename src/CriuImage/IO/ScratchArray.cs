using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CriuImage.IO;

/// <summary>
/// Records appended in order and read back by index: the first chunks of <see cref="ChunkSize"/> records stay in
/// memory (a fixed number, or as many as a <see cref="HeldBudget"/> grants), each later chunk is written to an unlinked scratch file
/// (<see cref="ScratchFile"/>) once full and read back through a few cached chunks. Memory stays at the held chunks
/// and the cache whatever the number of records; reads that follow each other in a chunk cost one read of it.
/// </summary>
internal sealed class ScratchArray<TRecord> : IDisposable
    where TRecord : unmanaged
{
    /// <summary>Records per chunk.</summary>
    public const int ChunkSize = 1 << ChunkBits;

    private const int ChunkBits = 13;
    private const int ChunkMask = ChunkSize - 1;
    private const int CachedChunks = 8;

    /// <summary>Records the first chunk starts with; it doubles up to <see cref="ChunkSize"/>.</summary>
    private const int FirstChunkSize = 64;

    private static readonly int ChunkBytes = ChunkSize * Unsafe.SizeOf<TRecord>();

    private readonly HeldBudget? _budget;
    private int _heldChunks;
    private readonly List<TRecord[]> _held = [];
    private readonly TRecord[][] _cache = new TRecord[CachedChunks][];
    private readonly long[] _cached = [-1, -1, -1, -1, -1, -1, -1, -1];
    private TRecord[]? _filling;
    private FileStream? _file;

    /// <summary>An empty array keeping at most <paramref name="heldChunks"/> chunks in memory.</summary>
    public ScratchArray(int heldChunks) => _heldChunks = heldChunks;

    /// <summary>An empty array keeping chunks in memory while <paramref name="budget"/> grants their bytes (the first chunk's as it grows); from the first refused on, the rest go to the scratch file.</summary>
    public ScratchArray(HeldBudget budget)
    {
        _budget = budget;
        _heldChunks = int.MaxValue;
    }

    /// <summary>The records appended.</summary>
    public long Count { get; private set; }

    /// <summary>How many of the first records stay in memory (all, while a budget still grants chunks): reading them changes nothing, so threads may read them at once.</summary>
    public long HeldCount => (long)_heldChunks * ChunkSize;

    /// <summary>Appends <paramref name="record"/>.</summary>
    public void Add(in TRecord record)
    {
        long chunk = Count >> ChunkBits;
        int at = (int)(Count & ChunkMask);
        if (chunk < _heldChunks)
        {
            Make(chunk, at);
        }

        if (chunk < _heldChunks)
        {
            _held[(int)chunk][at] = record;
        }
        else
        {
            _filling ??= new TRecord[ChunkSize];
            _filling[at] = record;
            if (at == ChunkMask)
            {
                Write(chunk, _filling);
            }
        }

        Count++;
    }

    /// <summary>Record <paramref name="index"/>.</summary>
    /// <exception cref="IOException">The scratch file cannot be read.</exception>
    public TRecord this[long index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            long chunk = index >> ChunkBits;
            int at = (int)(index & ChunkMask);
            if (chunk < _heldChunks)
            {
                return _held[(int)chunk][at];
            }

            // The chunk still being filled is the last one, not yet written.
            if (chunk == (Count - 1) >> ChunkBits && (Count & ChunkMask) != 0)
            {
                return _filling![at];
            }

            int slot = (int)(chunk % CachedChunks);
            if (_cached[slot] != chunk)
            {
                Read(chunk, _cache[slot] ??= new TRecord[ChunkSize]);
                _cached[slot] = chunk;
            }

            return _cache[slot][at];
        }
    }

    /// <summary>
    /// The records of chunk <paramref name="chunk"/> (the last one may be short): held ones in place, the others read
    /// into <paramref name="buffer"/> (<see cref="ChunkSize"/> records) without the shared cache, so walks on several
    /// threads each read with a buffer of their own.
    /// </summary>
    /// <exception cref="IOException">The scratch file cannot be read.</exception>
    public ReadOnlySpan<TRecord> Chunk(long chunk, TRecord[] buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunk);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunk << ChunkBits, Count - 1);
        int length = (int)Math.Min(ChunkSize, Count - (chunk << ChunkBits));
        if (chunk < _heldChunks)
        {
            return _held[(int)chunk].AsSpan(0, length);
        }

        if (length < ChunkSize)
        {
            return _filling.AsSpan(0, length);
        }

        Read(chunk, buffer);
        return buffer;
    }

    public void Dispose() => _file?.Dispose();

    /// <summary>
    /// Makes room in memory for record <paramref name="at"/> of held chunk <paramref name="chunk"/>, as far as the budget
    /// grants it; where it does not, that chunk and every later one go to the scratch file (what is held stays a prefix).
    /// </summary>
    private void Make(long chunk, int at)
    {
        if (at == 0)
        {
            int length = chunk == 0 ? FirstChunkSize : ChunkSize;
            if (Granted(length))
            {
                _held.Add(new TRecord[length]);
            }
            else
            {
                _heldChunks = (int)chunk;
            }
        }
        else if (at == _held[(int)chunk].Length)
        {
            // Only the first chunk grows: a small input (one KFD image of a few BOs, read thousands of times by the
            // fuzzer and the tests) allocates records by the dozen, not a whole chunk on the large object heap, and takes
            // from a shared budget only what it holds (a dump of many small KFD images leaves the budget to the others).
            TRecord[] grown = _held[(int)chunk];
            if (Granted(grown.Length))
            {
                Array.Resize(ref grown, grown.Length * 2);
                _held[(int)chunk] = grown;
            }
            else
            {
                // Refused: the first chunk becomes the one being filled for the scratch file, and its bytes go back.
                _filling = new TRecord[ChunkSize];
                grown.CopyTo(_filling, 0);
                _held.Clear();
                _budget!.GiveBack((long)grown.Length * Unsafe.SizeOf<TRecord>());
                _heldChunks = 0;
            }
        }
    }

    /// <summary>Whether <paramref name="records"/> more records may be held: always with a fixed number of chunks, else as the budget grants their bytes.</summary>
    private bool Granted(int records) => _budget?.TryTake((long)records * Unsafe.SizeOf<TRecord>()) ?? true;

    private long OffsetOf(long chunk) => (chunk - _heldChunks) * ChunkBytes;

    private void Write(long chunk, TRecord[] records)
    {
        if (_file is null)
        {
            // The run owns the file, not this array: the file is closed when the command ends, and the array's chunks
            // can still be collected as soon as no one holds it (a second read of the same input does not add to them).
            _file = ScratchFile.Create();
            RunScratch.Own(_file);
        }

        ScratchFile.Write(_file.SafeFileHandle, MemoryMarshal.AsBytes(records.AsSpan()), OffsetOf(chunk));
    }

    private void Read(long chunk, TRecord[] into)
    {
        ScratchFile.Read(_file!.SafeFileHandle, MemoryMarshal.AsBytes(into.AsSpan()), OffsetOf(chunk));
    }
}
