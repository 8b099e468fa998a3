using CriuImage.IO;

namespace CriuImage.Verification;

/// <summary>
/// What <c>verify</c> keeps of each BO of a criu-image read from its file (its handle, size, mmap offset and where it
/// is), for the rules over the whole image: 32 bytes a BO in a <see cref="ScratchArray{TRecord}"/> (4 MiB in memory,
/// the rest in a scratch file), and CRI105's first BO of each handle in an open-addressed table of 16-byte slots
/// (handle, BO number, where that BO is), so that finding a repeated handle reads no BO back. Memory: the slots, one
/// per different handle (an image whose handles repeat keeps few), and the BOs held. A <c>List</c> of 40-byte records
/// and a dictionary of handle to offset took about 70 bytes a BO (10^6 one-mapping BOs: more than a 96 MiB heap);
/// chunks of 32 bytes a BO in memory and a 4-byte slot, about 38 (4*10^6 BOs: more than 192 MiB). The slots stop
/// growing at <see cref="SlotsAtMost"/> (32 MiB, about 1.47*10^6 handles): a BO whose handle is new past that is kept
/// in a <see cref="SpillBuffer{T}"/> sorted by handle, and its duplicates are found by sorting once every BO is taken
/// (<see cref="LateDuplicates"/>), so that 10^7 different handles take 32 MiB of slots where they took 256.
/// </summary>
internal sealed class BoTable : IDisposable
{
    /// <summary>Chunks of BOs held in memory: 4 MiB.</summary>
    private const int HeldChunks = 16;

    /// <summary>Slots at most: 32 MiB.</summary>
    private const int SlotsAtMost = 1 << 21;

    private readonly ScratchArray<BoInfo> _records = new(HeldChunks);
    private readonly int _slotsAtMost;
    private Slot[] _slots = new Slot[1 << 10];
    private int _handles;
    /// <summary>The BOs whose handle was new once the slots were full, by handle; null before.</summary>
    private SpillBuffer<HandleSeen>? _late;

    /// <summary>A table whose slots grow to <see cref="SlotsAtMost"/>.</summary>
    public BoTable()
        : this(SlotsAtMost)
    {
    }

    /// <summary>A table whose slots grow to <paramref name="slotsAtMost"/> (a power of two, at least 1,024; tests fill a small one).</summary>
    internal BoTable(int slotsAtMost) => _slotsAtMost = slotsAtMost;

    /// <summary>The BOs taken.</summary>
    public int Count => (int)_records.Count;

    /// <summary>BO <paramref name="index"/>, in the order taken.</summary>
    /// <exception cref="IOException">The scratch file cannot be read.</exception>
    public BoInfo this[int index] => _records[index];

    /// <summary>Takes the next BO; the index of the first BO taken with its handle, or -1 when its handle is new.</summary>
    public int Add(in BoInfo bo) => Add(bo, out _);

    /// <summary>
    /// Takes the next BO; the index of the first BO taken with its handle and where that BO is (<paramref name="firstAt"/>),
    /// or -1 when its handle is new, or was new once the slots were full (<see cref="LateDuplicates"/> tells those).
    /// </summary>
    public int Add(in BoInfo bo, out long firstAt)
    {
        int index = Count;
        _records.Add(bo);
        if (_late is null && (_handles + 1) * 10L > _slots.Length * 7L)
        {
            if (_slots.Length < _slotsAtMost)
            {
                Grow();
            }
            else
            {
                _late = new SpillBuffer<HandleSeen>(HandleSeen.HeldAtMost);
            }
        }

        int slot = SlotOf(bo.Handle, _slots);
        firstAt = -1;
        if (_slots[slot].First != 0)
        {
            firstAt = _slots[slot].ByteOffset;
            return _slots[slot].First - 1;
        }

        if (_late is not null)
        {
            _late.Add(new HandleSeen(bo.Handle, index, bo.ByteOffset));
            return -1;
        }

        _slots[slot] = new Slot(bo.Handle, index + 1, bo.ByteOffset);
        _handles++;
        return -1;
    }

    /// <summary>
    /// CRI105 of the BOs whose handle was first seen once the slots were full, in BO order, once every BO is taken: those
    /// findings come after the ones made as the BOs were taken (an image of fewer different handles has none).
    /// </summary>
    public void LateDuplicates(Action<DuplicateHandle> found)
    {
        if (_late is null)
        {
            return;
        }

        using SpillBuffer<DuplicateHandle> duplicates = DuplicateHandles.Of(_late);
        foreach (DuplicateHandle duplicate in duplicates.Ordered())
        {
            found(duplicate);
        }
    }

    public void Dispose()
    {
        _records.Dispose();
        _late?.Dispose();
    }

    /// <summary>The slot of <paramref name="handle"/> in <paramref name="slots"/>: the one that holds its first BO, or the empty one it would take.</summary>
    private static int SlotOf(uint handle, Slot[] slots)
    {
        int slot = (int)((ulong)(uint)((ulong)handle * 0x9E3779B97F4A7C15UL >> 32) * (ulong)slots.Length >> 32);
        while (slots[slot].First != 0 && slots[slot].Handle != handle)
        {
            slot = slot + 1 == slots.Length ? 0 : slot + 1;
        }

        return slot;
    }

    private void Grow()
    {
        var slots = new Slot[_slots.Length * 2];
        foreach (Slot taken in _slots)
        {
            if (taken.First != 0)
            {
                slots[SlotOf(taken.Handle, slots)] = taken;
            }
        }

        _slots = slots;
    }

    /// <summary>A handle's first BO: its number plus one (0: an empty slot) and where it is.</summary>
    private readonly record struct Slot(uint Handle, int First, long ByteOffset);
}

/// <summary>A BO as the rules over a whole criu-image need it: 32 bytes (the offset's presence beside the handle).</summary>
internal readonly struct BoInfo
{
    private readonly bool _hasOffset;
    private readonly ulong _offset;

    /// <summary>A BO's facts.</summary>
    public BoInfo(uint handle, ulong size, ulong? mmapOffset, long byteOffset)
    {
        Handle = handle;
        _hasOffset = mmapOffset.HasValue;
        Size = size;
        _offset = mmapOffset.GetValueOrDefault();
        ByteOffset = byteOffset;
    }

    /// <summary>GEM handle.</summary>
    public uint Handle { get; }

    /// <summary>Size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>The DRM mmap offset, where the ABI records one.</summary>
    public ulong? MmapOffset => _hasOffset ? _offset : null;

    /// <summary>Where the BO record is in the file.</summary>
    public long ByteOffset { get; }
}
